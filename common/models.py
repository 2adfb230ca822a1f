"""What every app's declarative base shares (DESIGN: each app has its own ``DeclarativeBase``,
so its tables never mix with another app's): the constraint naming convention Alembic's
migrations rely on, the table options every table takes, and the clock a column default reads.

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=naming_convention())
"""

from __future__ import annotations

from common.clock import system_clock

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Every table: InnoDB (Galera needs it), utf8mb4, binary collation (compares as SQLite does).
TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}

# A column default's "now": naive UTC from the one clock (every datetime column holds UTC).
utcnow = system_clock


def naming_convention() -> dict[str, str]:
    """The constraint names every app's migrations were written with (a fresh copy each call:
    SQLAlchemy's MetaData keeps the dict it is given)."""
    return dict(_NAMING)
