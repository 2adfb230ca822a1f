"""``GET /audit/list``: the audit trail, newest first (superuser by default)."""

from __future__ import annotations

from pyramid.view import view_config

from cloudauth.audit.services import AuditLog, event_json
from common.params import Params


@view_config(
    route_name="audit.list", request_method="GET", renderer="scm_json", permission="view_audit"
)
def list_events(request):
    params = Params(request)
    who = params.required("userid", 32) if params.present("userid") else None
    event = params.required("event", 64) if params.present("event") else None
    total, events = request.find_service(AuditLog).list_events(
        who, event, params.int("offset", 0), params.int("limit", 100, 1, 1000)
    )
    return request.ok({"total": total, "events": [event_json(e) for e in events]})
