from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cloudauth.meta import Base
from common.models import utcnow


class AuditEvent(Base):
    """Logins, token issue/revoke, role, key and password changes. Never a secret."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(64), index=True)
    actor_userid: Mapped[str | None] = mapped_column(String(32))
    subject_userid: Mapped[str | None] = mapped_column(String(32), index=True)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(1024), default="")
    # Set when the change was made with a masquerade token: the superuser really acting, while
    # ``actor_userid`` is the user they were viewing as.
    masquerader_userid: Mapped[str | None] = mapped_column(String(32), index=True)
