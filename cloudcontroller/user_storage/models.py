"""Shared-pool user storage (seed 1.9.7, 1.9.9): quotas, and the usage samples the accountant
reads (docs/controller-usage-tables.md, ``user_storage_usage``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cloudcontroller.meta import TABLE_ARGS, Base, utcnow


class UserStorageQuota(Base):
    __tablename__ = "user_storage_quotas"
    __table_args__ = (TABLE_ARGS,)

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cloudauth_id: Mapped[str] = mapped_column(String(32), index=True)
    quota_bytes: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class UserStorageUsage(Base):
    __tablename__ = "user_storage_usage"
    __table_args__ = (TABLE_ARGS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cloudauth_id: Mapped[str | None] = mapped_column(String(32), index=True)
    system_name: Mapped[str] = mapped_column(String(32))
    pool: Mapped[str] = mapped_column(String(255))
    bytes_used: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
