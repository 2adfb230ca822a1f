"""Insert-or-update many rows at once, on MySQL/MariaDB and SQLite alike.

Re-importing the same data must modify rows, never duplicate them: every importer writes through
this, keyed by a primary key or a unique constraint.

On MySQL the rows go as one multi-row ``INSERT ... ON DUPLICATE KEY UPDATE`` whose literals are
rendered here, column by column, with PyMySQL's own string escaping: PyMySQL's generic
per-value escaping was most of an import's time (see bench/accountant_import.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, String, Table
from sqlalchemy.engine import Connection


def upsert(conn: Connection, table: Table, rows: Sequence[dict], key: Sequence[str]) -> None:
    if not rows:
        return
    changing = [c.name for c in table.columns if c.name not in key and not c.primary_key]
    if conn.dialect.name == "mysql":
        _mysql_upsert(conn, table, rows, changing)
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert

        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(key), set_={name: stmt.excluded[name] for name in changing}
        )
        conn.execute(stmt, list(rows))
    else:  # pragma: no cover - the project supports MySQL/MariaDB and SQLite
        raise NotImplementedError(f"no upsert for {conn.dialect.name}")


def _mysql_upsert(conn: Connection, table: Table, rows: Sequence[dict], changing) -> None:
    columns = [c for c in table.columns if c.name in rows[0]]
    render = [_literal(c.type) for c in columns]
    names = [c.name for c in columns]
    values = ",".join(
        "(" + ",".join([fn(row[name]) for fn, name in zip(render, names, strict=True)]) + ")"
        for row in rows
    )
    mysql_execute(
        conn, mysql_upsert_sql(table, names, [n for n in changing if n in rows[0]], values)
    )


def mysql_upsert_sql(table: Table, names: Sequence[str], changing: Sequence[str], values: str):
    """``INSERT INTO table (names) VALUES <values> ON DUPLICATE KEY UPDATE <changing>``;
    ``values`` is rows already rendered as escaped literals (``(..),(..)``)."""
    update = ",".join(f"`{n}`=VALUES(`{n}`)" for n in changing)
    # Identifiers come from our own Table; every value was escaped by its renderer.
    return (
        f"INSERT INTO `{table.name}` ({','.join(f'`{n}`' for n in names)}) VALUES {values}"  # noqa: S608
        f" ON DUPLICATE KEY UPDATE {update}"
    )


def mysql_execute(conn: Connection, sql: str) -> None:
    """Run an already-escaped statement inside the caller's transaction.

    The raw DB-API cursor, with no parameters: PyMySQL then applies no %-formatting to it.
    """
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def mysql_text(value: str) -> str:
    """A string as a MySQL literal (PyMySQL's escaping)."""
    return "'" + _escape(value) + "'"


try:
    from pymysql.converters import escape_string as _escape
except ImportError:  # pragma: no cover - SQLite only: nothing is rendered for MySQL

    def _escape(value: str) -> str:
        raise RuntimeError("PyMySQL is not installed")


def _literal(kind) -> Callable[[object], str]:
    from pymysql.converters import escape_string

    def text(value):
        return "NULL" if value is None else "'" + escape_string(str(value)) + "'"

    def number(value):
        return "NULL" if value is None else str(int(value))

    def moment(value):
        if value is None:
            return "NULL"
        if not isinstance(value, dt.datetime):
            raise TypeError(f"not a datetime: {value!r}")
        return "'" + value.strftime("%Y-%m-%d %H:%M:%S") + "'"

    def day(value):
        if value is None:
            return "NULL"
        if not isinstance(value, dt.date):
            raise TypeError(f"not a date: {value!r}")
        return "'" + value.isoformat() + "'"

    if isinstance(kind, Integer | BigInteger | Boolean):
        return number
    if isinstance(kind, DateTime):
        return moment
    if isinstance(kind, Date):
        return day
    if isinstance(kind, String):
        return text
    raise TypeError(f"no MySQL literal for {kind!r}")
