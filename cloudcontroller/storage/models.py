"""$HOME storage volumes (seed 1.9.6) and their allocation spans (read by the accountant,
docs/controller-usage-tables.md)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cloudcontroller.meta import TABLE_ARGS, Base, utcnow


def new_id() -> str:
    return uuid.uuid4().hex


class StorageVolume(Base):
    """One user's $HOME. ``status``: creating → active; deleting → (row removed); error."""

    __tablename__ = "storage_volumes"
    __table_args__ = (TABLE_ARGS,)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    cloudauth_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(32), unique=True)  # one $HOME per system user
    driver: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(1024))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="creating")
    error: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class StorageAllocation(Base):
    """One span a volume had one allocated size (the accountant's ``storage`` type)."""

    __tablename__ = "storage_allocations"
    __table_args__ = (TABLE_ARGS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    volume_id: Mapped[str] = mapped_column(String(32), index=True)
    cloudauth_id: Mapped[str] = mapped_column(String(32), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
