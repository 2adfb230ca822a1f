"""One-time Scyld Cloud Workstation sign-in tokens (seed 1.8.9): a separate table from the
bearer tokens, so an SCW token is never accepted as ``X-Auth-Token`` anywhere."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cloudauth.meta import Base
from common.models import utcnow


class ScwToken(Base):
    """An issued SCW token, kept only as its SHA-256 hash; ``used_at`` is set by the one check
    that consumes it."""

    __tablename__ = "scw_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The workstation the token was issued for (the image's service_url, the node's address in
    # it): the node compares it with its own URL.
    service_url: Mapped[str] = mapped_column(String(1024))
    cloud_controller_id: Mapped[int | None] = mapped_column(Integer)
    server_instance_id: Mapped[str | None] = mapped_column(String(64))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The account whose token checked it (the SCW node's admin account).
    used_by: Mapped[str | None] = mapped_column(String(32))
