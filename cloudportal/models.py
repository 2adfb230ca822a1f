"""The portal's own tables: only what no API holds (DESIGN.md). Its own declarative base, so
they never mix with another app's: preferences, registration and reset links (hashes only),
the registration whitelist, and the users the portal has seen log in."""

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


TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


class MailedLink(Base):
    """A link the portal mailed (registration or password reset): only the SHA-256 of its
    token is kept. Single use: ``used_at`` is set when it is followed to the end."""

    __tablename__ = "portal_mailed_links"
    __table_args__ = (TABLE_OPTIONS,)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # register | reset
    email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class WhitelistEntry(Base):
    """An address (``ann@example.edu``) or a whole domain (``@example.edu``) allowed to
    register when ``registration.type = whitelist``; kept lower-cased."""

    __tablename__ = "portal_whitelist"
    __table_args__ = (TABLE_OPTIONS,)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    entry: Mapped[str] = mapped_column(String(254), unique=True)
    added_by: Mapped[str] = mapped_column(String(254))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SeenUser(Base):
    """A Cloud Auth user who has completed a portal login: the whitelist is checked on a
    directory user's first one only."""

    __tablename__ = "portal_seen_users"
    __table_args__ = (TABLE_OPTIONS,)

    cloudauth_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    first_login_at: Mapped[dt.datetime] = mapped_column(DateTime)
