"""What a reports page shows: the family, the date range (presets or custom), granularity,
grouping and whose usage, read from the query string; and the accountant's answer turned into
the table, the chart's series and the CSV, all from the same rows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from common.errors import BadRequest
from common.params import Params, parse_date


@dataclass(frozen=True)
class Family:
    slug: str  # the portal's URL
    api: str  # the accountant's /report/<api>
    title: str
    groupings: tuple[str, ...]
    chart_metric: str


FAMILIES = {
    f.slug: f
    for f in (
        Family(
            "login-nodes", "server-instance", "Login nodes",
            ("user", "controller", "flavor", "instance"), "server_hours",
        ),
        Family("storage", "storage", "Storage", ("user", "controller", "volume"), "gb_days"),
        Family(
            "user-storage", "user-storage", "User storage", ("user", "controller", "pool"),
            "gb_days",
        ),
        Family(
            "jobs", "job", "Cluster jobs", ("user", "controller", "cluster", "queue", "account"),
            "core_hours",
        ),
    )
}  # fmt: skip
GROUP_LABELS = {
    "user": "User",
    "controller": "Cloud controller",
    "flavor": "VM type",
    "instance": "Login node",
    "volume": "Volume",
    "pool": "Pool",
    "cluster": "Cluster",
    "queue": "Queue",
    "account": "Account",
}
PRESETS = {
    "this_month": "This month",
    "last_month": "Last month",
    "this_year": "This year",
    "custom": "Custom range",
}
GRANULARITIES = ("day", "week", "month", "year")
USERID = re.compile(r"^[0-9a-f]{32}$")
MAX_DAY_RANGE = 366  # the accountant's default; a longer range asks for months


@dataclass(frozen=True)
class Choice:
    preset: str
    start: dt.date
    end: dt.date
    granularity: str
    group: str  # "" for none
    user: str  # "" for everyone the caller sees
    owner: str  # superuser only: act for this account owner

    def query(self) -> dict:
        """The page's own query string (links to the CSV and the other pages keep it)."""
        out = {
            "preset": self.preset,
            "granularity": self.granularity,
            "group": self.group,
            "user": self.user,
            "owner": self.owner,
        }
        if self.preset == "custom":
            out.update(start=self.start.isoformat(), end=self.end.isoformat())
        return {k: v for k, v in out.items() if v}

    def api_scope(self) -> dict:
        params = {"start_date": self.start.isoformat(), "end_date": self.end.isoformat()}
        if self.user:
            params["cloud_auth_userid"] = self.user
        if self.owner:
            params["owner_userid"] = self.owner
        return params


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    first = today.replace(day=1)
    if preset == "last_month":
        last = first - dt.timedelta(days=1)
        return last.replace(day=1), last
    if preset == "this_year":
        return today.replace(month=1, day=1), today
    return first, today


def read_choice(request, family: Family | None, today: dt.date) -> Choice:
    """The page's choices, each checked: a bad value is a 400 page naming it."""
    params = Params(request)
    preset = params.optional("preset", 16) or "this_month"
    if preset not in PRESETS:
        raise BadRequest(f"unknown date range {preset[:20]!r}")
    if preset == "custom":
        start = parse_date(params.required("start", 10), "start")
        end = parse_date(params.required("end", 10), "end")
        if end < start:
            raise BadRequest("the range ends before it starts")
    else:
        start, end = preset_range(preset, today)
    default = "month" if (end - start).days > 62 else "day"
    granularity = params.optional("granularity", 8) or default
    if granularity not in GRANULARITIES:
        raise BadRequest(f"unknown granularity {granularity[:20]!r}")
    if granularity == "day" and (end - start).days + 1 > MAX_DAY_RANGE:
        raise BadRequest(
            f"a daily report covers at most {MAX_DAY_RANGE} days; choose weeks or months"
        )
    group = params.optional("group", 16) or ""
    if group and (family is None or group not in family.groupings):
        raise BadRequest(f"this report cannot be grouped by {group[:20]!r}")
    user = _userid(params, "user")
    owner = _userid(params, "owner")
    me = request.identity
    if owner and not me.is_superuser:
        raise BadRequest("only the superuser may look at another account owner's usage")
    if user and not me.is_account_owner and user != me.userid:
        raise BadRequest("you may look at your own usage only")
    return Choice(preset, start, end, granularity, group, user, owner)


def _userid(params: Params, name: str) -> str:
    value = (params.optional(name, 64) or "").strip().replace("-", "").lower()
    if value and not USERID.match(value):
        raise BadRequest(f"{name} must be a user id (32 hex digits)")
    return value


def queue_params(settings) -> list[str]:
    """``cloudcon.<id>.report_queues``: on those controllers, only the listed queues show."""
    return [f"{cc.id}:{q}" for cc in settings.controllers for q in cc.report_queues]


@dataclass
class Table:
    """The rows as the page shows them; the CSV writes exactly these."""

    header: list[str]
    rows: list[list]
    totals: list

    @classmethod
    def build(cls, report: dict, group: str, label) -> Table:
        metrics = report["metrics"]
        header = ["Period"]
        if group:
            header.append(GROUP_LABELS[group])
        header += [f"{m['label']} ({m['unit']})" for m in metrics]
        rows = []
        for row in report["rows"]:
            shown = [row["period"]]
            if group:
                shown.append(label(group, row[group]))
            shown += [row[m["name"]] for m in metrics]
            rows.append(shown)
        totals = (
            ["Total"] + ([""] if group else []) + [report["totals"][m["name"]] for m in metrics]
        )
        return cls(header, rows, totals)


def series(report: dict, group: str, metric: str, label) -> tuple[list[str], dict[str, list]]:
    """(periods, values per group label): the chart's stacks, from the table's own rows."""
    periods = sorted({row["period"] for row in report["rows"]})
    index = {p: i for i, p in enumerate(periods)}
    stacks: dict[str, list] = {}
    for row in report["rows"]:
        name = label(group, row[group]) if group else "All"
        values = stacks.setdefault(name, [None] * len(periods))
        values[index[row["period"]]] = (values[index[row["period"]]] or 0) + row[metric]
    return periods, stacks


MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")
STATEMENT_FAMILIES = ("login-nodes", "storage", "user-storage", "jobs")


def read_month(request, today: dt.date) -> tuple[dt.date, dt.date]:
    """``month=YYYY-MM`` (default: last month): its first and last day."""
    text = (Params(request).optional("month", 7) or "").strip()
    if not text:
        first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    elif not MONTH.match(text):
        raise BadRequest(f"month must be YYYY-MM, not {text[:10]!r}")
    else:
        try:
            first = parse_date(text + "-01", "month")
        except BadRequest:
            raise BadRequest(f"month must be YYYY-MM, not {text!r}") from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def statement_rows(reports: dict[str, dict], users: list[tuple[str, str]]) -> tuple[list, dict]:
    """One line per user (``users``: (id, email), the owner first), each family's figures
    from its month report grouped by user, and the totals the accountant computed."""
    figures: dict[str, dict[str, dict]] = {}
    for slug, report in reports.items():
        for row in report["rows"]:
            figures.setdefault(row["user"], {})[slug] = row
    lines = []
    for userid, email in users:
        mine = figures.get(userid, {})
        lines.append((email, {slug: mine.get(slug) for slug in reports}))
    totals = {slug: report["totals"] for slug, report in reports.items()}
    return lines, totals
