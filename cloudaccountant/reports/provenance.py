"""Which import runs produced a report's figures, and the runs themselves for the superuser.

A report's provenance is the runs of its family's sources whose dates overlap the report's,
newest first (at most ``PROVENANCE_LIMIT``); its ``as_of`` is when the newest of them that
finished ended. A run still open (or killed) is listed with no ``finished_at``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudaccountant.importing.runs import FAMILY_SOURCES, ImportRun

PROVENANCE_LIMIT = 20
SOURCES = ("usage", "slurm", "pbs", "sge", "uge")
FIELDS = (
    "id",
    "source",
    "controllers",
    "first_date",
    "last_date",
    "started_at",
    "finished_at",
    "lines_read",
    "rows_written",
    "lines_rejected",
    "exit_status",
)


def list_runs(
    db: Session,
    *,
    sources: tuple[str, ...] = SOURCES,
    first: dt.date | None = None,
    last: dt.date | None = None,
    limit: int = 100,
) -> list[dict]:
    table = ImportRun.__table__
    stmt = select(*(table.c[f] for f in FIELDS)).where(table.c.source.in_(sources))
    if first is not None:
        stmt = stmt.where(table.c.last_date >= first)
    if last is not None:
        stmt = stmt.where(table.c.first_date <= last)
    stmt = stmt.order_by(table.c.started_at.desc(), table.c.id.desc()).limit(limit)
    return [dict(row) for row in db.execute(stmt).mappings()]


def provenance(db: Session, family: str, first: dt.date, last: dt.date) -> dict:
    runs = list_runs(
        db, sources=FAMILY_SOURCES[family], first=first, last=last, limit=PROVENANCE_LIMIT
    )
    finished = [r["finished_at"] for r in runs if r["finished_at"] is not None]
    return {"provenance": runs, "as_of": max(finished, default=None)}
