"""The audit trail: append events, read them back (``GET /audit/list``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

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
        "masquerader_userid": e.masquerader_userid or "",
        "client_addr": e.client_addr or "",
        "detail": e.detail,
    }


@dataclass(frozen=True)
class AuditQuery:
    """What ``/audit/list`` selects: who (actor, subject or masquerader), what (an event or a
    family of them), when (whole UTC days), masquerades only."""

    who: str | None = None
    event: str | None = None
    event_prefix: str | None = None
    masquerade_only: bool = False
    since: dt.date | None = None
    until: dt.date | None = None


class AuditLog:
    """Audit events of one request (or one script run): ``client_addr`` is the address an event
    is recorded from unless the caller names another (a login's client behind the portal).
    ``masquerader`` (called when an event is recorded) names the superuser behind the request's
    masquerade token, taken from the token, never from the request's parameters."""

    def __init__(
        self,
        db: Session,
        now: dt.datetime | None,
        client_addr: str | None = None,
        masquerader: Callable[[], str | None] | None = None,
    ):
        self.db, self.now, self.client_addr = db, now, client_addr
        self._masquerader = masquerader

    def record(
        self,
        event: str,
        *,
        actor: str | None = None,
        subject: str | None = None,
        client_addr: str | object | None = _REQUEST_ADDRESS,
        detail: str = "",
        masquerader: str | None = None,
    ) -> None:
        """Append one audit event. Callers pass no secret: names, ids and outcomes only."""
        if masquerader is None and self._masquerader is not None:
            masquerader = self._masquerader()
        self.db.add(
            AuditEvent(
                event=event,
                actor_userid=actor,
                subject_userid=subject,
                client_addr=self.client_addr if client_addr is _REQUEST_ADDRESS else client_addr,
                detail=detail[:1024],
                masquerader_userid=masquerader,
                **({"at": self.now} if self.now else {}),
            )
        )

    def list_events(
        self, query: AuditQuery, offset: int, limit: int
    ) -> tuple[int, list[AuditEvent]]:
        """The events ``query`` selects, newest first."""
        stmt = select(AuditEvent)
        if query.who is not None:
            # the user acted, was acted on, or was the superuser behind a masquerade
            stmt = stmt.where(
                (AuditEvent.subject_userid == query.who)
                | (AuditEvent.actor_userid == query.who)
                | (AuditEvent.masquerader_userid == query.who)
            )
        if query.event is not None:
            stmt = stmt.where(AuditEvent.event == query.event)
        if query.event_prefix is not None:
            # a family of events ("login.", "masquerade.", "user.")
            stmt = stmt.where(AuditEvent.event.startswith(query.event_prefix, autoescape=True))
        if query.masquerade_only:
            stmt = stmt.where(AuditEvent.masquerader_userid.is_not(None))
        # whole UTC days, both inclusive
        if query.since is not None:
            stmt = stmt.where(AuditEvent.at >= dt.datetime.combine(query.since, dt.time()))
        if query.until is not None:
            end = dt.datetime.combine(query.until + dt.timedelta(days=1), dt.time())
            stmt = stmt.where(AuditEvent.at < end)
        total = self.db.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = self.db.scalars(stmt.order_by(AuditEvent.id.desc()).offset(offset).limit(limit))
        return total, list(rows)


def audit(request, event: str, **kw) -> None:
    """A view's shorthand for ``request.find_service(AuditLog).record(event, ...)``."""
    request.find_service(AuditLog).record(event, **kw)
