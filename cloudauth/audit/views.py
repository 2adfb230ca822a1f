"""``GET /audit/list``: the audit trail, newest first (superuser by default)."""

from __future__ import annotations

from pyramid.view import view_config

from cloudauth.audit.services import AuditLog, AuditQuery, event_json
from common.errors import BadRequest
from common.params import Params, parse_date


@view_config(
    route_name="audit.list", request_method="GET", renderer="scm_json", permission="view_audit"
)
def list_events(request):
    params = Params(request)

    def text(name: str) -> str | None:
        return (
            params.required(name, 64 if name != "userid" else 32) if params.present(name) else None
        )

    def day(name: str):
        return parse_date(params.optional(name, 10), name) if params.present(name) else None

    query = AuditQuery(
        who=text("userid"),
        event=text("event"),
        event_prefix=text("event_prefix"),
        masquerade_only=params.bool("masquerade"),
        since=day("since"),
        until=day("until"),
    )
    if query.since and query.until and query.until < query.since:
        raise BadRequest("until must not be before since")
    total, events = request.find_service(AuditLog).list_events(
        query, params.int("offset", 0), params.int("limit", 100, 1, 1000)
    )
    return request.ok({"total": total, "events": [event_json(e) for e in events]})
