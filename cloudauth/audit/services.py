from __future__ import annotations

from sqlalchemy.orm import Session

from cloudauth.audit.models import AuditEvent


def record(
    db: Session,
    event: str,
    *,
    actor: str | None = None,
    subject: str | None = None,
    client_addr: str | None = None,
    detail: str = "",
    at=None,
    masquerader: str | None = None,
) -> None:
    """Append one audit event. Callers pass no secret: names, ids and outcomes only."""
    db.add(
        AuditEvent(
            event=event,
            actor_userid=actor,
            subject_userid=subject,
            client_addr=client_addr,
            detail=detail[:1024],
            masquerader_userid=masquerader,
            **({"at": at} if at else {}),
        )
    )


def audit(request, event: str, **kw) -> None:
    """Record with the request's address and time; a change made with a masquerade token also
    names the superuser holding it (taken from the token, never from the request)."""
    identity = request.identity
    if identity is not None and identity.is_masquerade:
        kw.setdefault("masquerader", identity.masquerader_userid)
    kw.setdefault("client_addr", request.client_addr)
    kw.setdefault("at", request.now)
    record(request.db, event, **kw)
