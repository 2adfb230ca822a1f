"""A statement's rows read packed: the database writes them as JSON arrays, a few hundred rows to
a cell, and ``json`` reads them in C.

Why: PyMySQL decodes every cell of every row in pure Python. A year of 100 users' jobs by month
is ~1,270 rows of ten cells; decoded one by one they cost about as much as the database's own
work on them, packed they cost a few cells and one ``json.loads`` each.

Values come back as JSON has them: integers, strings, ``None``; a datetime as the database
writes it as text (``YYYY-MM-DD HH:MM:SS``, SQLite with microseconds), for
``datetime.fromisoformat``.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

# Rows per cell: at most ~2 kB a row (six 64-character keys, escaped), so a cell stays far
# below GROUP_CONCAT_MAX (which also caps JSON_ARRAYAGG) and the 16 MB packet limit.
ROWS_PER_CELL = 500
# Bytes: MariaDB cuts a longer JSON_ARRAYAGG (a warning, and text that is no longer JSON); its
# default is 1 MB, MySQL's 1 kB. Raised once per pooled connection (its ``info`` remembers it):
# the setting is only a cap on GROUP_CONCAT's and JSON_ARRAYAGG's text, which nothing else
# reads, and a statement of its own per report costs a round trip.
GROUP_CONCAT_MAX = 16 * 2**20
RAISED = "scm.group_concat_max_len"


def packed_rows(db: Session, stmt) -> list[list]:
    """Every row of ``stmt`` (a ``select``) as a list of its columns' values, in no order."""
    connection = db.connection()
    mysql = connection.dialect.name == "mysql"
    if mysql and connection.info.get(RAISED) != GROUP_CONCAT_MAX:
        connection.exec_driver_sql(f"SET SESSION group_concat_max_len = {GROUP_CONCAT_MAX}")
        connection.info[RAISED] = GROUP_CONCAT_MAX
    inner = stmt.subquery("unpacked")
    cell = (func.row_number().over() - 1) // ROWS_PER_CELL
    numbered = select(*inner.c, cell.label("cell")).subquery("numbered")
    values = func.json_array(*(numbered.c[c.name] for c in inner.c))
    aggregate = func.json_arrayagg if mysql else func.json_group_array
    packed = select(aggregate(values)).group_by(numbered.c.cell)
    return [row for cell in db.scalars(packed) for row in json.loads(cell)]
