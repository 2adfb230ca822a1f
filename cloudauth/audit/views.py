"""``GET /audit/list``: the audit trail, newest first (superuser by default)."""

from __future__ import annotations

import datetime as dt

from pyramid.view import view_config
from sqlalchemy import func, select

from cloudauth.audit.models import AuditEvent
from common.errors import BadRequest
from common.params import Params, parse_date


@view_config(
    route_name="audit.list", request_method="GET", renderer="scm_json", permission="view_audit"
)
def list_events(request):
    params = Params(request)
    stmt = select(AuditEvent)
    if params.present("userid"):
        # who: the user acted, was acted on, or was the superuser behind a masquerade
        who = params.required("userid", 32)
        stmt = stmt.where(
            (AuditEvent.subject_userid == who)
            | (AuditEvent.actor_userid == who)
            | (AuditEvent.masquerader_userid == who)
        )
    if params.present("event"):
        stmt = stmt.where(AuditEvent.event == params.required("event", 64))
    if params.present("event_prefix"):
        # what: a family of events ("login.", "masquerade.", "user.")
        prefix = params.required("event_prefix", 64)
        stmt = stmt.where(AuditEvent.event.startswith(prefix, autoescape=True))
    if params.bool("masquerade"):
        stmt = stmt.where(AuditEvent.masquerader_userid.is_not(None))
    # when: whole UTC days, both inclusive
    since = parse_date(params.optional("since", 10), "since") if params.present("since") else None
    until = parse_date(params.optional("until", 10), "until") if params.present("until") else None
    if since and until and until < since:
        raise BadRequest("until must not be before since")
    if since:
        stmt = stmt.where(AuditEvent.at >= dt.datetime.combine(since, dt.time()))
    if until:
        stmt = stmt.where(
            AuditEvent.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time())
        )
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
            "masquerader_userid": e.masquerader_userid or "",
            "client_addr": e.client_addr or "",
            "detail": e.detail,
        }
        for e in rows
    ]
    return request.ok({"total": total, "events": events})
