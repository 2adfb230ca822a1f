"""Usage reports: the daily rows (or, for jobs, the itemised runs) of a date range, summed per
period and grouping, in the units users think in.

Why jobs are read from the itemised table and not from ``job_daily``: a job that runs across
midnight is one of the ``jobs`` of every day it touched there, so summing days would count it
twice; the account is not kept per day; GPU-hours need each job's GPUs. Here a job counts once,
in the period it ended in (a job belongs to the range it ended in, as on import), and its core-
and GPU-seconds are split across days by exact overlap, as the daily rows are.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, cast, func, literal, literal_column, not_, or_, select
from sqlalchemy.orm import Session

from cloudaccountant.access import Scope
from cloudaccountant.importing.days import day_bounds, local_date, range_bounds, split_seconds
from cloudaccountant.reports.groupings import GB, GROUPINGS, METRICS
from cloudaccountant.reports.periods import period_of
from cloudaccountant.reports.provenance import provenance
from cloudaccountant.summaries.services import (
    LISTINGS,
    USER_INDEX_SUFFIXES,
    _after,
    decode_cursor,
    encode_cursor,
)
from cloudaccountant.usage.models import DAILY_TABLES, Job

STREAM_BATCH = 2000  # rows the driver hands over at a time (server-side cursor)
JUST_BEFORE = dt.timedelta(microseconds=1)
DETAIL = LISTINGS["job_detail"]


@dataclass(frozen=True)
class ReportQuery:
    family: str  # server_instance, storage, user_storage, job
    start_date: dt.date
    end_date: dt.date
    granularity: str
    group_by: tuple[str, ...]
    scope: Scope
    cloud_controller_id: int | None = None
    # controller id -> the only queues counted there (cloudcon.<id>.report_queues); controllers
    # not named are not restricted.
    queues: dict[int, frozenset[str]] = field(default_factory=dict)


@dataclass
class _Cell:
    first_day: dt.date
    total: int = 0  # seconds, byte-days or core-seconds
    peak: int = 0  # storage: the largest day
    jobs: int = 0
    gpu_seconds: int = 0


class ReportService:
    """Reports over the accountant's tables. ``db`` is the request's session (aggregates);
    ``session_factory`` opens the session a streamed CSV reads with after the view returned."""

    def __init__(self, db: Session, session_factory, timezone: ZoneInfo):
        self.db, self.session_factory, self.tz = db, session_factory, timezone

    # -- aggregates ------------------------------------------------------------------------------
    def report(self, query: ReportQuery) -> dict:
        if query.scope.userids is not None and not query.scope.userids:
            cells, day_totals = {}, {}
        elif query.family == "job":
            cells, day_totals = self._jobs(query), {}
        else:
            cells, day_totals = self._daily(query)
        rows = [
            {
                "period": label,
                "period_start": cell.first_day,
                **dict(zip(query.group_by, key, strict=True)),
                **self._figures(query.family, cell),
            }
            for (label, key), cell in sorted(cells.items(), key=_sort_key)
        ]
        whole = _Cell(query.start_date)
        for cell in cells.values():
            whole.total += cell.total
            whole.jobs += cell.jobs
            whole.gpu_seconds += cell.gpu_seconds
        whole.peak = max(day_totals.values(), default=0)
        return {
            "family": query.family,
            "start_date": query.start_date,
            "end_date": query.end_date,
            "granularity": query.granularity,
            "group_by": list(query.group_by),
            "timezone": self.tz.key,
            "metrics": [
                {"name": m.name, "unit": m.unit, "label": m.label} for m in METRICS[query.family]
            ],
            "rows": rows,
            "totals": self._figures(query.family, whole),
            **provenance(self.db, query.family, query.start_date, query.end_date),
        }

    @staticmethod
    def _figures(family: str, cell: _Cell) -> dict:
        if family == "server_instance":
            return {"server_hours": round(cell.total / 3600, 4)}
        if family == "job":
            return {
                "jobs": cell.jobs,
                "core_hours": round(cell.total / 3600, 4),
                "gpu_hours": round(cell.gpu_seconds / 3600, 4),
            }
        return {"gb_days": round(cell.total / GB, 4), "peak_gb": round(cell.peak / GB, 4)}

    def _daily(self, query: ReportQuery):
        table = DAILY_TABLES[query.family].__table__
        metric = table.c.seconds if query.family == "server_instance" else table.c.bytes
        keys = [table.c[GROUPINGS[query.family][g]] for g in query.group_by]
        stmt = (
            select(table.c.date, *keys, func.sum(metric))
            .where(table.c.date >= query.start_date, table.c.date <= query.end_date)
            .group_by(table.c.date, *keys)
        )
        stmt = self._filters(stmt, table, query)
        cells: dict[tuple, _Cell] = {}
        day_totals: dict[dt.date, int] = defaultdict(int)
        for day, *key, value in self.db.execute(stmt):
            value = int(value or 0)
            label, first = period_of(day, query.granularity)
            cell = cells.get((label, tuple(key)))
            if cell is None:
                cell = cells[(label, tuple(key))] = _Cell(first)
            cell.total += value
            cell.peak = max(cell.peak, value)
            day_totals[day] += value
        return cells, day_totals

    def _jobs(self, query: ReportQuery) -> dict[tuple, _Cell]:
        """Jobs that ran inside one period are summed by the database (most jobs: a report
        over an owner's year of jobs would otherwise pull every row through the driver, ~1 s
        for 10,000 jobs); the rest (crossing a period boundary or the range's edges) are read
        one by one and split across days by exact overlap."""
        jobs = Job.__table__
        first, last = range_bounds(query.start_date, query.end_date, self.tz)
        periods = _periods(query.start_date, query.end_date, query.granularity)
        bounds = [day_bounds(day, self.tz)[0] for _, _, day in periods[1:]]
        keys = [jobs.c[GROUPINGS["job"][g]] for g in query.group_by]
        # The period a job started in (by its start) and ended in (a job ending at a boundary
        # belongs to the period before, as on import).
        began = case(*((jobs.c.started_at < b, n) for n, b in enumerate(bounds)), else_=len(bounds))
        ended = case(*((jobs.c.ended_at <= b, n) for n, b in enumerate(bounds)), else_=len(bounds))
        if not bounds:
            # One period: nothing to group by (MySQL would read GROUP BY 0 as a position).
            began = ended = literal(0)
        inside = and_(jobs.c.started_at >= first, jobs.c.ended_at <= last, began == ended)
        seconds = _duration(self.db.get_bind().dialect.name, jobs.c.started_at, jobs.c.ended_at)
        cells: dict[tuple, _Cell] = {}

        def cell_of(label: str, first_day: dt.date, key: tuple) -> _Cell:
            cell = cells.get((label, key))
            if cell is None:
                cell = cells[(label, key)] = _Cell(first_day)
            return cell

        # Two reads of the same index range: one GROUP BY folding the jobs inside one period
        # (a single pass grouping the others by id builds a far larger temporary table), then
        # the others, whole, split here.
        summed = select(
            began, func.count(), func.sum(jobs.c.core_seconds), func.sum(jobs.c.gpus * seconds),
            *keys,
        ).where(jobs.c.ended_at > first, jobs.c.started_at < last, inside)  # fmt: skip
        summed = self._filters(summed, jobs, query).group_by(*([began] if bounds else []), *keys)
        for period, count, core_seconds, gpu_seconds, *key in self.db.execute(summed):
            if count:  # (one period, no GROUP BY: an empty aggregate is still one row)
                cell = cell_of(*periods[period][:2], tuple(key))
                cell.jobs += count
                cell.total += int(core_seconds)
                cell.gpu_seconds += int(gpu_seconds)
        crossing = select(jobs.c.started_at, jobs.c.ended_at, jobs.c.cores, jobs.c.gpus, *keys)
        crossing = crossing.where(jobs.c.ended_at > first, jobs.c.started_at < last, not_(inside))
        for started, ended_at, cores, gpus, *key in self.db.execute(
            self._filters(crossing, jobs, query).execution_options(yield_per=STREAM_BATCH)
        ):
            key = tuple(key)
            for day, part in split_seconds(max(started, first), min(ended_at, last), self.tz):
                cell = cell_of(*period_of(day, query.granularity), key)
                cell.total += cores * part
                cell.gpu_seconds += gpus * part
            if ended_at <= last:  # a job ending at midnight belongs to the day before
                day = local_date(ended_at - JUST_BEFORE, self.tz)
                cell_of(*period_of(day, query.granularity), key).jobs += 1
        return cells

    def _filters(self, stmt, table, query: ReportQuery):
        if query.cloud_controller_id is not None:
            stmt = stmt.where(table.c.cloud_controller_id == query.cloud_controller_id)
        if query.scope.userids is not None:
            stmt = stmt.where(table.c.cloud_auth_userid.in_(sorted(query.scope.userids)))
            # A few users out of many: read their rows through the user index (see
            # summaries.services, where MariaDB otherwise walks the whole date range).
            index = next(i.name for i in table.indexes if i.name.endswith(USER_INDEX_SUFFIXES))
            stmt = stmt.with_hint(table, f"FORCE INDEX ({index})", "mysql")
        if query.queues and "queue" in table.c:
            restricted = sorted(query.queues)
            stmt = stmt.where(
                or_(
                    table.c.cloud_controller_id.notin_(restricted),
                    *(
                        and_(
                            table.c.cloud_controller_id == cc,
                            table.c.queue.in_(sorted(query.queues[cc])),
                        )
                        for cc in restricted
                    ),
                )
            )
        return stmt

    # -- itemised jobs ---------------------------------------------------------------------------
    def _detail_statement(self, query: ReportQuery):
        jobs = Job.__table__
        first, last = range_bounds(query.start_date, query.end_date, self.tz)
        columns = dict.fromkeys((*DETAIL.sort, *DETAIL.fields))
        stmt = select(*(jobs.c[name] for name in columns)).where(
            jobs.c.ended_at > first, jobs.c.ended_at <= last
        )
        return self._filters(stmt, jobs, query), [jobs.c[name] for name in DETAIL.sort]

    def job_page(self, query: ReportQuery, after: str | None, limit: int) -> dict:
        """One page of the jobs that ended in the range, by end time, with the keyset cursor of
        ``/job/detail``."""
        if query.scope.userids is not None and not query.scope.userids:
            return {"rows": [], "next": None}
        stmt, sort = self._detail_statement(query)
        if after:
            stmt = stmt.where(_after(sort, decode_cursor(DETAIL, after)))
        found = self.db.execute(stmt.order_by(*sort).limit(limit + 1)).mappings().all()
        following = None
        if len(found) > limit:
            found = found[:limit]
            following = encode_cursor([found[-1][name] for name in DETAIL.sort])
        return {"rows": [_job_row(row) for row in found], "next": following}

    def stream_jobs(self, query: ReportQuery) -> Iterator[dict]:
        """Every job of the range, read through a server-side cursor in its own session (the
        request's is closed by the time a streamed response is written)."""
        if query.scope.userids is not None and not query.scope.userids:
            return
        stmt, sort = self._detail_statement(query)
        session = self.session_factory()
        try:
            result = session.execute(stmt.order_by(*sort).execution_options(yield_per=STREAM_BATCH))
            for row in result.mappings():
                yield _job_row(row)
        finally:
            session.close()


JOB_FIELDS = (*DETAIL.fields, "core_hours")


def _job_row(row) -> dict:
    body = {name: row[name] for name in DETAIL.fields}
    body["core_hours"] = row["core_seconds"] / 3600
    return body


def _periods(first: dt.date, last: dt.date, granularity: str) -> list[tuple[str, dt.date, dt.date]]:
    """``(label, first day, first day inside the range)`` of each period ``first``..``last``
    touches, in order."""
    found: list[tuple[str, dt.date, dt.date]] = []
    day = first
    while day <= last:
        label, first_day = period_of(day, granularity)
        if not found or found[-1][0] != label:
            found.append((label, first_day, day))
        day += dt.timedelta(days=1)
    return found


def _duration(dialect: str, started, ended):
    """Whole seconds from ``started`` to ``ended`` in SQL (the two dialects the accountant runs
    on)."""
    if dialect == "mysql":
        return func.timestampdiff(literal_column("SECOND"), started, ended)
    return cast(func.strftime("%s", ended), Integer) - cast(func.strftime("%s", started), Integer)


def _sort_key(item):
    (label, key), _ = item
    return (label, tuple(f"{v:012d}" if isinstance(v, int) else str(v) for v in key))
