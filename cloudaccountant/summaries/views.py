"""``/storage``, ``/user-storage``, ``/server-instance``, ``/job`` and ``/job/detail``."""

from __future__ import annotations

import datetime as dt

from pyramid.view import view_config, view_defaults

from cloudaccountant.access import VIEW, controller_and_scope
from cloudaccountant.summaries.services import MAX_PAGE, UsageQuery, UsageSummaries
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
    """The query's parameters, checked, and the caller's scope (whose usage they may see)."""
    unknown = sorted(set(request.GET) - ACCEPTED)
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]}")
    params = Params(request)
    start, end = _date(params, "start_date"), _date(params, "end_date")
    if end < start:
        raise BadRequest("end_date is before start_date")
    cc_id, scope = controller_and_scope(request, params)
    return UsageQuery(
        start_date=start,
        end_date=end,
        scope=scope,
        cloud_controller_id=cc_id,
        after=params.optional("after", 2048),
        limit=params.int("limit", MAX_PAGE, minimum=1, maximum=MAX_PAGE),
    )


@view_defaults(request_method="GET", renderer=JSON, permission=VIEW)
class UsageViews:
    def __init__(self, request):
        self.request = request

    def _page(self, listing: str) -> dict:
        query = parse_query(self.request)
        return self.request.ok(self.request.find_service(UsageSummaries).page(listing, query))

    @view_config(route_name="usage.storage")
    def storage(self):
        return self._page("storage")

    @view_config(route_name="usage.user_storage")
    def user_storage(self):
        return self._page("user_storage")

    @view_config(route_name="usage.server_instance")
    def server_instance(self):
        return self._page("server_instance")

    @view_config(route_name="usage.job")
    def job(self):
        return self._page("job")

    @view_config(route_name="usage.job_detail")
    def job_detail(self):
        return self._page("job_detail")
