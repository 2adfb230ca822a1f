"""Import runs: every ``import_*`` run writes one row when it starts and completes it when it
ends, so the superuser can see what ran, over which dates, what it read, wrote and rejected,
and how it ended; a report names the runs behind its figures (provenance). A run killed before
it ended keeps ``finished_at`` empty: its figures may be partial until the next run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import BigInteger, Date, DateTime, Index, Integer, String, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from cloudaccountant.meta import Base
from common.clock import Clock, system_clock

# Which runs feed which report family.
FAMILY_SOURCES = {
    "server_instance": ("usage",),
    "storage": ("usage",),
    "user_storage": ("usage",),
    "job": ("slurm", "pbs", "sge", "uge"),
}


class ImportRun(Base):
    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_source_last", "source", "last_date"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    source: Mapped[str] = mapped_column(String(16))  # usage, slurm, pbs, sge, uge
    controllers: Mapped[str] = mapped_column(String(255))  # "1,3": the controllers it read
    first_date: Mapped[dt.date] = mapped_column(Date)
    last_date: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    lines_read: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # files only
    rows_written: Mapped[int] = mapped_column(BigInteger, default=0)
    lines_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    exit_status: Mapped[int | None] = mapped_column(Integer, nullable=True)


@dataclass
class RunCounts:
    lines_read: int | None = None
    rows_written: int = 0
    lines_rejected: int = 0


class RunRecorder:
    """One run's row: ``start`` before reading anything, ``finish`` with its exit status."""

    def __init__(self, engine: Engine, source: str, clock: Clock = system_clock):
        self.engine, self.source, self.clock = engine, source, clock
        self.counts = RunCounts()
        self.id: int | None = None

    def start(self, first: dt.date, last: dt.date, controllers: list[int]) -> None:
        table = ImportRun.__table__
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(table).values(
                    source=self.source,
                    controllers=",".join(str(c) for c in controllers)[:255],
                    first_date=first,
                    last_date=last,
                    started_at=self.clock(),
                    rows_written=0,
                    lines_rejected=0,
                )
            )
            self.id = result.inserted_primary_key[0]

    def add(self, *, read: int | None = None, written: int = 0, rejected: int = 0) -> None:
        if read is not None:
            self.counts.lines_read = (self.counts.lines_read or 0) + read
        self.counts.rows_written += written
        self.counts.lines_rejected += rejected

    def finish(self, status: int) -> int:
        if self.id is not None:
            table = ImportRun.__table__
            with self.engine.begin() as conn:
                conn.execute(
                    update(table)
                    .where(table.c.id == self.id)
                    .values(
                        finished_at=self.clock(),
                        lines_read=self.counts.lines_read,
                        rows_written=self.counts.rows_written,
                        lines_rejected=self.counts.lines_rejected,
                        exit_status=status,
                    )
                )
        return status
