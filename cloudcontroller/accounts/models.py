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


class UnixId(Base):
    """One claimed UNIX id (a user's uid, equal to its private group's gid, or a secondary
    group's gid). The primary key makes two controllers sharing the database unable to hand out
    the same number: the second insert fails and the allocator tries the next one."""

    __tablename__ = "unix_ids"
    __table_args__ = (TABLE_ARGS,)

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(8))  # "user" or "group"
    name: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SshKey(Base):
    """An SSH public key of a system user, written to $HOME/.ssh/authorized_keys."""

    __tablename__ = "ssh_keys"
    __table_args__ = (TABLE_ARGS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    key_type: Mapped[str] = mapped_column(String(32))
    key_data: Mapped[str] = mapped_column(String(4096))
    comment: Mapped[str] = mapped_column(String(255), default="")
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def line(self) -> str:
        return " ".join(p for p in (self.key_type, self.key_data, self.comment) if p)
