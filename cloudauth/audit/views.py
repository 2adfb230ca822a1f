"""``GET /audit/list``: the audit trail, newest first (superuser by default)."""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import func, select

from cloudauth.audit.models import AuditEvent
from common.params import Params


@view_config(
    route_name="audit.list", request_method="GET", renderer="scm_json", permission="view_audit"
)
def list_events(request):
    params = Params(request)
    stmt = select(AuditEvent)
    if params.present("userid"):
        who = params.required("userid", 32)
        stmt = stmt.where((AuditEvent.subject_userid == who) | (AuditEvent.actor_userid == who))
    if params.present("event"):
        stmt = stmt.where(AuditEvent.event == params.required("event", 64))
    total = request.db.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = request.db.scalars(
        stmt.order_by(AuditEvent.id.desc())
        .offset(params.int("offset", 0))
        .limit(params.int("limit", 100, 1, 1000))
    )
    events = [
        {
            "id": e.id,
            "at": e.at,
            "event": e.event,
            "actor_userid": e.actor_userid or "",
            "subject_userid": e.subject_userid or "",
            "client_addr": e.client_addr or "",
            "detail": e.detail,
        }
        for e in rows
    ]
    return request.ok({"total": total, "events": events})
