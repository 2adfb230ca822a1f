"""Secondary UNIX groups (seed 1.9.5)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cloudcontroller.meta import TABLE_ARGS, Base, utcnow


def new_id() -> str:
    return uuid.uuid4().hex


class SystemGroup(Base):
    __tablename__ = "system_groups"
    __table_args__ = (TABLE_ARGS,)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # The account owner whose domain the group belongs to (members must share it).
    cloudauth_id: Mapped[str] = mapped_column(String(32), index=True)
    domain_id: Mapped[str] = mapped_column(String(32))
    group_name: Mapped[str] = mapped_column(String(32), unique=True)
    gid: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class GroupMember(Base):
    __tablename__ = "group_members"
    __table_args__ = (TABLE_ARGS,)

    group_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
