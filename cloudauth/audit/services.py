"""The audit trail: append events, read them back (``GET /audit/list``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cloudauth.audit.models import AuditEvent

_REQUEST_ADDRESS = object()  # "the address this log records from"


def event_json(e: AuditEvent) -> dict:
    return {
        "id": e.id,
        "at": e.at,
        "event": e.event,
        "actor_userid": e.actor_userid or "",
        "subject_userid": e.subject_userid or "",
        "client_addr": e.client_addr or "",
        "detail": e.detail,
    }


class AuditLog:
    """Audit events of one request (or one script run): ``client_addr`` is the address an event
    is recorded from unless the caller names another (a login's client behind the portal)."""

    def __init__(self, db: Session, now: dt.datetime | None, client_addr: str | None = None):
        self.db, self.now, self.client_addr = db, now, client_addr

    def record(
        self,
        event: str,
        *,
        actor: str | None = None,
        subject: str | None = None,
        client_addr: str | object | None = _REQUEST_ADDRESS,
        detail: str = "",
    ) -> None:
        """Append one audit event. Callers pass no secret: names, ids and outcomes only."""
        self.db.add(
            AuditEvent(
                event=event,
                actor_userid=actor,
                subject_userid=subject,
                client_addr=self.client_addr if client_addr is _REQUEST_ADDRESS else client_addr,
                detail=detail[:1024],
                **({"at": self.now} if self.now else {}),
            )
        )

    def list_events(
        self, who: str | None, event: str | None, offset: int, limit: int
    ) -> tuple[int, list[AuditEvent]]:
        """Events about or by ``who`` (subject or actor) and of kind ``event``, newest first."""
        stmt = select(AuditEvent)
        if who is not None:
            stmt = stmt.where((AuditEvent.subject_userid == who) | (AuditEvent.actor_userid == who))
        if event is not None:
            stmt = stmt.where(AuditEvent.event == event)
        total = self.db.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = self.db.scalars(stmt.order_by(AuditEvent.id.desc()).offset(offset).limit(limit))
        return total, list(rows)


def audit(request, event: str, **kw) -> None:
    """A view's shorthand for ``request.find_service(AuditLog).record(event, ...)``."""
    request.find_service(AuditLog).record(event, **kw)
