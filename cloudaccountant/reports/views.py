"""``/report/<family>`` (aggregates, JSON or CSV) and ``/report/job/detail`` (itemised jobs, a
page as JSON or every row as streamed CSV)."""

from __future__ import annotations

from pyramid.view import view_config

from cloudaccountant.access import VIEW
from cloudaccountant.reports import csvstream
from cloudaccountant.reports.provenance import SOURCES, list_runs
from cloudaccountant.reports.query import parse_format, parse_report_query
from cloudaccountant.reports.services import JOB_FIELDS, ReportService
from cloudaccountant.summaries.services import MAX_PAGE
from common.errors import BadRequest, Forbidden
from common.ownership import sees_everything
from common.params import Params, parse_date

JSON = "scm_json"
# Every signed-in caller holds usage:view; UsageAccess.scope decides whose rows they see.
_GET = {"request_method": "GET", "renderer": JSON, "permission": VIEW}
FAMILIES = {
    "report.server_instance": "server_instance",
    "report.storage": "storage",
    "report.user_storage": "user_storage",
    "report.job": "job",
}


@view_config(route_name="report.server_instance", **_GET)
@view_config(route_name="report.storage", **_GET)
@view_config(route_name="report.user_storage", **_GET)
@view_config(route_name="report.job", **_GET)
def report(request):
    family = FAMILIES[request.matched_route.name]
    wanted = parse_format(Params(request))
    query = parse_report_query(request, family)
    result = request.find_service(ReportService).report(query)
    if wanted == "json":
        return request.ok(result)
    header = ["period", "period_start", *query.group_by, *(m["name"] for m in result["metrics"])]
    metrics = [m["name"] for m in result["metrics"]]
    rows = [[r[name] for name in header] for r in result["rows"]]
    totals = ["total", "", *([""] * len(query.group_by)), *(result["totals"][m] for m in metrics)]
    body = csvstream.lines(header, [*rows, totals])
    return csvstream.csv_response(request, f"{family}-report.csv", body)


@view_config(route_name="report.job_detail", request_method="GET", renderer=JSON, permission=VIEW)
def job_detail(request):
    params = Params(request)
    wanted = parse_format(params)
    query = parse_report_query(request, "job", detail=True)
    service = request.find_service(ReportService)
    if wanted == "json":
        limit = params.int("limit", MAX_PAGE, minimum=1, maximum=MAX_PAGE)
        page = service.job_page(query, params.optional("after", 2048), limit)
        return request.ok(page)
    paging = next((name for name in ("after", "limit") if params.present(name)), None)
    if paging:
        raise BadRequest(f"parameter {paging} pages the JSON listing; the CSV holds every job")
    body = csvstream.lines(list(JOB_FIELDS), service.stream_jobs(query))
    return csvstream.csv_response(request, "jobs.csv", body)


@view_config(route_name="report.import_runs", **_GET)
def import_runs(request):
    """The import runs, newest first: the superuser's and cloudaccountant_admin's."""
    if not sees_everything(request.identity, "cloudaccountant"):
        raise Forbidden("only the superuser and cloudaccountant_admin read import runs")
    unknown = sorted(set(request.GET) - {"start_date", "end_date", "source", "limit"})
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]}")
    params = Params(request)
    first = params.optional("start_date", 10)
    last = params.optional("end_date", 10)
    source = params.optional("source", 16)
    if source is not None and source not in SOURCES:
        raise BadRequest(f"parameter source must be one of {', '.join(SOURCES)}")
    runs = list_runs(
        request.db,
        sources=(source,) if source else SOURCES,
        first=parse_date(first, "start_date") if first is not None else None,
        last=parse_date(last, "end_date") if last is not None else None,
        limit=params.int("limit", 100, minimum=1, maximum=MAX_PAGE),
    )
    return request.ok({"runs": runs})
