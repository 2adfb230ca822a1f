"""What every app's declarative base shares: constraint names, MySQL table options, the UTC
default of datetime columns. Each app keeps its own ``Base`` (its tables never mix)."""

from __future__ import annotations

import datetime as dt

from common.clock import system_clock

# Every table: InnoDB (Galera needs it), utf8mb4, binary collation (compares as SQLite does).
TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def naming_convention() -> dict[str, str]:
    """Constraint and index names Alembic can find again (a fresh dict per metadata)."""
    return {
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }


def utcnow() -> dt.datetime:
    """Naive UTC: every datetime column holds UTC (the one clock, ``common.clock``)."""
    return system_clock()
