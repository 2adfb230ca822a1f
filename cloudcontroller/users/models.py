"""UNIX system accounts on this controller (seed 1.9.4). The ``system_users`` table is part of
the contract the accountant reads (docs/controller-usage-tables.md)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cloudcontroller.meta import TABLE_ARGS, Base, utcnow


def new_id() -> str:
    return uuid.uuid4().hex


class SystemUser(Base):
    __tablename__ = "system_users"
    __table_args__ = (TABLE_ARGS,)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)  # user-id
    cloudauth_id: Mapped[str] = mapped_column(String(32), unique=True)
    system_name: Mapped[str] = mapped_column(String(32), unique=True)
    uid: Mapped[int | None] = mapped_column(Integer, unique=True)
    gid: Mapped[int | None] = mapped_column(Integer)
    primary_group: Mapped[str | None] = mapped_column(String(32))
    keystone_user_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
