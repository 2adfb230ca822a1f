"""The Cloud Controller's own declarative base: its tables never mix with another app's."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Every table: InnoDB (Galera needs it), utf8mb4, binary collation (compares as SQLite does).
TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def path_id(request, name: str, what: str) -> str:
    """A controller id (a UUID as 32 hex digits) from the URL path, through the shared bounded
    parser: anything else names nothing, 404 before any lookup."""
    from common.params import path_uuid

    return uuid.UUID(path_uuid(request, name, what)).hex


def utcnow() -> dt.datetime:
    """Naive UTC: every datetime column holds UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
