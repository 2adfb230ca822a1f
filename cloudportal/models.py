"""The portal's own tables: only what no API holds (DESIGN.md). Its own declarative base, so
they never mix with another app's. Registration state and the whitelist come later (issue 12)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Preference(Base):
    """A user's portal preference (e.g. the last chosen controller, a page size): one row per
    Cloud Auth user and name, the value as short text."""

    __tablename__ = "portal_preferences"
    __table_args__ = (
        UniqueConstraint("cloudauth_id", "name"),
        {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"},
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    cloudauth_id: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
