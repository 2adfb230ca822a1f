"""``/storage``, ``/user-storage``, ``/server-instance``, ``/job`` and ``/job/detail``."""

from __future__ import annotations

import datetime as dt

from pyramid.view import view_config

from cloudaccountant.access import resolve_scope
from cloudaccountant.summaries.services import LISTINGS, MAX_PAGE, UsageQuery, list_usage
from common.errors import BadRequest
from common.params import Params, parse_date

JSON = "scm_json"
ACCEPTED = frozenset(
    {
        "start_date",
        "end_date",
        "cloud_controller_id",
        "cloud_auth_userid",
        "owner_userid",
        "after",
        "limit",
    }
)


def _date(params: Params, name: str) -> dt.date:
    return parse_date(params.required(name, 10), name)


def parse_query(request) -> UsageQuery:
    unknown = sorted(set(request.GET) - ACCEPTED)
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]}")
    params = Params(request)
    start, end = _date(params, "start_date"), _date(params, "end_date")
    if end < start:
        raise BadRequest("end_date is before start_date")
    cc_id = None
    if params.optional("cloud_controller_id", 12) is not None:
        cc_id = params.int("cloud_controller_id", minimum=1)
        if cc_id not in request.registry["scm.settings"].controller_ids:
            raise BadRequest(f"unknown cloud_controller_id {cc_id}")
    scope = resolve_scope(
        request,
        cloud_auth_userid=params.optional("cloud_auth_userid", 64),
        owner_userid=params.optional("owner_userid", 64),
    )
    return UsageQuery(
        start_date=start,
        end_date=end,
        scope=scope,
        cloud_controller_id=cc_id,
        after=params.optional("after", 2048),
        limit=params.int("limit", MAX_PAGE, minimum=1, maximum=MAX_PAGE),
    )


def _listing(request, name: str) -> dict:
    query = parse_query(request)
    timezone = request.registry["scm.settings"].timezone
    return request.ok(list_usage(request.db, LISTINGS[name], query, timezone))


def _get(route: str):
    return view_config(
        route_name=route, request_method="GET", renderer=JSON, permission="authenticated"
    )


@_get("usage.storage")
def storage(request):
    return _listing(request, "storage")


@_get("usage.user_storage")
def user_storage(request):
    return _listing(request, "user_storage")


@_get("usage.server_instance")
def server_instance(request):
    return _listing(request, "server_instance")


@_get("usage.job")
def job(request):
    return _listing(request, "job")


@_get("usage.job_detail")
def job_detail(request):
    return _listing(request, "job_detail")
