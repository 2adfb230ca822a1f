"""Usage and Reports: overview, a page per family (chart, table, CSV of the table), itemised
jobs (pages and the accountant's streamed CSV)."""

from __future__ import annotations

import csv
import io

from pyramid.response import Response
from pyramid.view import view_config

from cloudportal.clients.accountant import IAccountant
from cloudportal.clients.cloudauth import ICloudAuth
from cloudportal.reports.chart import stacked_svg
from cloudportal.reports.model import (
    FAMILIES,
    GRANULARITIES,
    GROUP_LABELS,
    PRESETS,
    STATEMENT_FAMILIES,
    USERID,
    Choice,
    Family,
    Table,
    queue_params,
    read_choice,
    read_month,
    series,
    statement_rows,
)
from common.errors import BadRequest, NotFound
from common.params import Params

UNMAPPED = "(system users not mapped to a portal user)"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _accountant(request):
    client = request.find_service(IAccountant)
    if client is None:
        raise NotFound("usage reports need the Cloud Accountant, which this portal does not use")
    return client


def _family(request) -> Family:
    family = FAMILIES.get(request.matchdict.get("family", ""))
    if family is None:
        raise NotFound("there is no such report")
    return family


def _people(request, choice: Choice) -> dict[str, str]:
    """Email by user id, for the users this page may name (one Cloud Auth call for owners)."""
    me = request.identity
    emails = {me.userid: me.email}
    owner = choice.owner or (me.userid if me.is_account_owner else "")
    if owner:
        users = request.find_service(ICloudAuth).managed_users(owner)
        emails.update({u["id"]: u.get("email") or u["id"] for u in users})
    return emails


def _labeller(request, emails: dict[str, str]):
    names = {cc.id: cc.name for cc in request.registry["scm.settings"].controllers}

    def label(group: str, value) -> str:
        if group == "user":
            return emails.get(value, value) if value else UNMAPPED
        if group == "controller":
            return names.get(value, f"Controller {value}")
        return str(value)

    return label


def _report(request, family: Family, choice: Choice) -> dict:
    params = {**choice.api_scope(), "granularity": choice.granularity}
    if choice.group:
        params["group_by"] = choice.group
    if family.api == "job":
        params["queue"] = queue_params(request.registry["scm.settings"])
    return _accountant(request).report(family.api, params)


def _page(request, family: Family | None, choice: Choice, emails: dict) -> dict:
    return {
        "family": family,
        "families": FAMILIES,
        "choice": choice,
        "presets": PRESETS,
        "granularities": GRANULARITIES,
        "group_labels": GROUP_LABELS,
        "people": sorted(emails.items(), key=lambda kv: kv[1]),
        "as_of_time": request.now,
        "imported": None,  # when the runs behind the figures finished (the accountant says)
        "runs": [],
        "provenance_known": True,  # False: this page does not ask which runs were behind it
    }


@view_config(route_name="reports", renderer="reports/overview.mako", permission="portal")
def overview(request):
    choice = read_choice(request, None, request.now.date())
    totals, finished = {}, []
    for slug, family in FAMILIES.items():
        report = _report(request, family, choice)
        totals[slug] = (report["metrics"], report["totals"])
        if report.get("as_of"):
            finished.append(report["as_of"])
    page = _page(request, None, choice, _people(request, choice))
    # The oldest family's last import: every figure on the page is at least that fresh.
    return {**page, "totals": totals, "imported": min(finished, default=None)}


@view_config(route_name="reports.family", renderer="reports/family.mako", permission="portal")
def family_page(request):
    family = _family(request)
    choice = read_choice(request, family, request.now.date())
    emails = _people(request, choice)
    label = _labeller(request, emails)
    report = _report(request, family, choice)
    table = Table.build(report, choice.group, label)
    metric = next(m for m in report["metrics"] if m["name"] == family.chart_metric)
    periods, stacks = series(report, choice.group, metric["name"], label)
    chart = stacked_svg(f"{family.title}: {metric['label']}", periods, stacks, metric["unit"])
    return {
        **_page(request, family, choice, emails),
        "imported": report.get("as_of"),
        "runs": report.get("provenance", []),
        "table": table,
        "chart": chart,
        "chart_metric": metric,
    }


@view_config(route_name="reports.family_csv", permission="portal")
def family_csv(request):
    """Exactly the table of the page with the same query: its header, rows and total."""
    family = _family(request)
    choice = read_choice(request, family, request.now.date())
    label = _labeller(request, _people(request, choice))
    table = Table.build(_report(request, family, choice), choice.group, label)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    for row in [*table.rows, table.totals]:
        writer.writerow([_cell(v) for v in row])
    response = Response(body=buffer.getvalue().encode("utf-8"), content_type="text/csv")
    response.charset = "utf-8"
    name = f"{family.slug}-{choice.start.isoformat()}-{choice.end.isoformat()}.csv"
    response.content_disposition = f'attachment; filename="{name}"'
    return response


def _cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # a spreadsheet would run it as a formula
    return value


def _job_params(request, choice: Choice) -> dict:
    return {**choice.api_scope(), "queue": queue_params(request.registry["scm.settings"])}


@view_config(route_name="reports.jobs", renderer="reports/jobs.mako", permission="portal")
def jobs_page(request):
    choice = read_choice(request, FAMILIES["jobs"], request.now.date())
    after = Params(request).optional("after", 2048)
    params = {**_job_params(request, choice), "limit": 100}
    if after:
        params["after"] = after
    page = _accountant(request).jobs(params)
    emails = _people(request, choice)
    return {
        **_page(request, FAMILIES["jobs"], choice, emails),
        "jobs": page["rows"],
        "next": page["next"],
        "label": _labeller(request, emails),
        "provenance_known": False,
    }


@view_config(route_name="reports.jobs_csv", permission="portal")
def jobs_csv(request):
    """The accountant's CSV of every job, streamed through: never held here whole."""
    choice = read_choice(request, FAMILIES["jobs"], request.now.date())
    if Params(request).optional("after", 2048):
        raise BadRequest("the CSV holds every job of the range; it takes no page")
    body = _accountant(request).jobs_csv(_job_params(request, choice))
    response = Response(content_type="text/csv", charset="utf-8")
    name = f"jobs-{choice.start.isoformat()}-{choice.end.isoformat()}.csv"
    response.content_disposition = f'attachment; filename="{name}"'
    response.app_iter = body
    return response


@view_config(route_name="reports.statement", renderer="reports/statement.mako", permission="owner")
def statement(request):
    """An account owner's month on one printable page: per managed user (and the owner)
    server-hours, storage, user storage and core-hours, the totals, the runs behind them."""
    first, last = read_month(request, request.now.date())
    me = request.identity
    owner = _userid_param(request, "owner") or me.userid
    if owner != me.userid and not me.is_superuser:
        raise BadRequest("only the superuser may see another account owner's statement")
    managed = request.find_service(ICloudAuth).managed_users(owner)
    people = sorted(((u["id"], u.get("email") or u["id"]) for u in managed), key=lambda p: p[1])
    owner_email = me.email if owner == me.userid else owner
    users = [(owner, owner_email), *people]
    scope = {"start_date": first.isoformat(), "end_date": last.isoformat()}
    if owner != me.userid:
        scope["owner_userid"] = owner
    reports, runs = {}, {}
    for slug in STATEMENT_FAMILIES:
        family = FAMILIES[slug]
        params = {**scope, "granularity": "month", "group_by": "user"}
        if family.api == "job":
            params["queue"] = queue_params(request.registry["scm.settings"])
        reports[slug] = _accountant(request).report(family.api, params)
        for run in reports[slug].get("provenance", []):
            runs[run["id"]] = run
    lines, totals = statement_rows(reports, users)
    return {
        "first": first,
        "last": last,
        "owner_email": owner_email,
        "lines": lines,
        "totals": totals,
        "families": FAMILIES,
        "slugs": STATEMENT_FAMILIES,
        "runs": sorted(runs.values(), key=lambda r: r["id"]),
        "as_of_time": request.now,
    }


def _userid_param(request, name: str) -> str:
    value = (Params(request).optional(name, 64) or "").strip().replace("-", "").lower()
    if value and not USERID.match(value):
        raise BadRequest(f"{name} must be a user id (32 hex digits)")
    return value
