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

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from cloudaccountant.access import Scope
from cloudaccountant.importing.days import day_bounds, local_date, range_bounds, split_seconds
from cloudaccountant.reports.groupings import GB, GROUPINGS, METRICS
from cloudaccountant.reports.packed import packed_rows
from cloudaccountant.reports.periods import period_of
from cloudaccountant.reports.provenance import provenance
from cloudaccountant.summaries.services import (
    LISTINGS,
    USER_INDEX_SUFFIXES,
    _after,
    decode_cursor,
    encode_cursor,
)
from cloudaccountant.usage.models import DAILY_TABLES, Job, JobExtent

STREAM_BATCH = 2000  # rows the driver hands over at a time (server-side cursor)
SORT_ROW = 8192  # bytes: more than a job's row and the detail's sort key together
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


@dataclass(slots=True)
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
        figures = FIGURES[query.family]
        rows = []
        # Each period's first day as the text the API shows, written once: the JSON renderer
        # calls back into Python for every date it meets (~5 ms for a thousand rows).
        first_days = {cell.first_day: cell.first_day.isoformat() for cell in cells.values()}
        # By period, then grouping: a grouping's values are all of one type (its column's,
        # never NULL), so the keys sort as they are.
        for (label, key), cell in sorted(cells.items()):
            row = {"period": label, "period_start": first_days[cell.first_day]}
            row.update(zip(query.group_by, key, strict=True))
            row.update(figures(cell))
            rows.append(row)
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
            "totals": figures(whole),
            **provenance(self.db, query.family, query.start_date, query.end_date),
        }

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
        """One read of the range's jobs through the index, summed by the database: the jobs
        that ran inside one period as one row per period and grouping (most jobs: pulling an
        owner's year of jobs through the driver would take ~1 s for 10,000 jobs), and each of
        the others (crossing a period boundary or the range's edges) as a row of its own, split
        here across days by exact overlap.

        The period is that of the job's end (a job ending at a boundary belongs to the period
        before, as on import), found by a balanced tree of comparisons with the periods' bounds
        (UTC instants computed here for the zone): ~log2(periods) comparisons a row, not one per
        period; a job ran inside one period when the tree puts its start in the same one.

        The index range ends at ``last`` plus the longest job (``_longest``): a job that started
        before ``last`` ended by then, so the later jobs of an old range's users are not read."""
        jobs = Job.__table__
        first, last = range_bounds(query.start_date, query.end_date, self.tz)
        ran = [jobs.c.ended_at > first, jobs.c.started_at < last]
        longest = self._longest(query)
        # (A bound past the year 9999 would bound nothing.)
        if longest is not None and longest < (dt.datetime.max - last).total_seconds():
            ran.append(jobs.c.ended_at <= last + dt.timedelta(seconds=longest))
        periods = _periods(query.start_date, query.end_date, query.granularity)
        bounds = [day_bounds(day, self.tz)[0] for _, _, day in periods[1:]]
        keys = [jobs.c[GROUPINGS["job"][g]] for g in query.group_by]
        began_in = _bisect(jobs.c.started_at, bounds, "<")
        ended_in = _bisect(jobs.c.ended_at, bounds, "<=").label("period_index")
        inside = and_(began_in == ended_in, jobs.c.started_at >= first, jobs.c.ended_at <= last)
        item = case((inside, literal(0)), else_=jobs.c.id).label("item")
        seconds = _duration(self.db.get_bind().dialect.name, jobs.c.started_at, jobs.c.ended_at)
        grouped = select(
            ended_in, item, func.count().label("jobs"),
            cast(func.sum(jobs.c.core_seconds), BigInteger).label("core_seconds"),
            cast(func.sum(jobs.c.gpus * seconds), BigInteger).label("gpu_seconds"),
            func.min(jobs.c.started_at).label("started_at"),
            func.min(jobs.c.ended_at).label("ended_at"), func.min(jobs.c.cores).label("cores"),
            func.min(jobs.c.gpus).label("gpus"), *(k.label(f"key_{n}") for n, k in enumerate(keys)),
        ).where(*ran)  # fmt: skip
        # By the labels: the trees are not written (nor evaluated) a second time.
        by = [literal_column("period_index"), literal_column("item"), *keys]
        grouped = self._filters(grouped, jobs, query).group_by(*by).subquery("grouped")
        # A job's own figures only where the row is one job: ~1,200 rows for a year of 100
        # users by month, read packed, and null is the shortest value.
        g = grouped.c
        mine = g.item != 0
        stmt = select(
            g.period_index, g.item, g.jobs, g.core_seconds, g.gpu_seconds,
            *(case((mine, g[name])) for name in ("started_at", "ended_at", "cores", "gpus")),
            *(g[f"key_{n}"] for n in range(len(keys))),
        )  # fmt: skip
        cells: dict[tuple, _Cell] = {}

        def cell_of(label: str, first_day: dt.date, key: tuple) -> _Cell:
            cell = cells.get((label, key))
            if cell is None:
                cell = cells[(label, key)] = _Cell(first_day)
            return cell

        for row in packed_rows(self.db, stmt):
            period, job, count, core_seconds, gpu_seconds, started, ended, cores, gpus = row[:9]
            key = tuple(row[9:])
            if not job:  # the jobs that ran inside the period
                cell = cell_of(*periods[period][:2], key)
                cell.jobs += count
                cell.total += core_seconds
                cell.gpu_seconds += gpu_seconds
                continue
            started = dt.datetime.fromisoformat(started)
            ended = dt.datetime.fromisoformat(ended)
            for day, part in split_seconds(max(started, first), min(ended, last), self.tz):
                cell = cell_of(*period_of(day, query.granularity), key)
                cell.total += cores * part
                cell.gpu_seconds += gpus * part
            if ended <= last:  # a job ending at midnight belongs to the day before
                day = local_date(ended - JUST_BEFORE, self.tz)
                cell_of(*period_of(day, query.granularity), key).jobs += 1
        return cells

    def _longest(self, query: ReportQuery) -> int | None:
        """The longest job (seconds) of every scheduler source the query may count: of all of
        them, or of the one controller's (``_filters`` narrows by nothing else that names a
        source). None where no source has a row: no bound then, as in ``job_days``.

        Every source with stored jobs has its row: the importer, the only writer of ``jobs``,
        raises it in each batch's transaction, and migration 0005 filled it for the jobs stored
        before. It is read in the transaction that reads the jobs (one snapshot under
        REPEATABLE READ), so no job the read sees is longer than it."""
        extents = JobExtent.__table__
        stmt = select(func.max(extents.c.longest_seconds))
        if query.cloud_controller_id is not None:
            stmt = stmt.where(extents.c.cloud_controller_id == query.cloud_controller_id)
        return self.db.execute(stmt).scalar()

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
    def _detail_statement(self, query: ReportQuery, *, text_on: str | None = None):
        """The jobs that ended in the range, with ``DETAIL.fields`` in their order;
        ``text_on`` (a dialect's name): their times already written as ``utc_text`` writes
        them, by the database (a million rows' times are then neither decoded nor formatted
        here)."""
        jobs = Job.__table__
        first, last = range_bounds(query.start_date, query.end_date, self.tz)
        columns = []
        for name in DETAIL.fields:
            column = jobs.c[name]
            if text_on and isinstance(column.type, DateTime):
                column = _utc_text(text_on, column).label(name)
            columns.append(column)
        stmt = select(*columns).where(jobs.c.ended_at > first, jobs.c.ended_at <= last)
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

    def stream_jobs(self, query: ReportQuery) -> Iterator[tuple]:
        """Every job of the range as a tuple of ``JOB_FIELDS`` (times as text), by end time,
        read through a server-side cursor (``STREAM_BATCH`` rows at a time) in a session of
        its own (the request's is closed by the time a streamed response is written).
        Tuples, not mappings: the CSV of a year of a site's jobs is a million of them."""
        if query.scope.userids is not None and not query.scope.userids:
            return
        core_seconds = DETAIL.fields.index("core_seconds")
        session = self.session_factory()
        connection = None
        try:
            connection = session.connection()
            stmt, sort = self._detail_statement(query, text_on=connection.dialect.name)
            whole_rows = connection.dialect.name == "mysql"
            if whole_rows:
                # MariaDB sorts a row longer than max_length_for_sort_data (1 kB by default;
                # a job's row may be longer) by its row id alone and then reads every row a
                # second time, by id, in no order: for a month of a site's jobs, three times
                # the time of sorting the rows themselves. Reset before the connection goes
                # back to the pool.
                connection.exec_driver_sql(f"SET SESSION max_length_for_sort_data = {SORT_ROW}")
            result = connection.execute(
                stmt.order_by(*sort), execution_options={"yield_per": STREAM_BATCH}
            )
            with result:
                for batch in result.partitions():
                    for row in batch:
                        yield (*row, row[core_seconds] / 3600)
            if whole_rows:
                connection.exec_driver_sql("SET SESSION max_length_for_sort_data = DEFAULT")
        except BaseException:  # a failure, or the client gone (GeneratorExit) mid-stream
            if connection is not None:
                connection.invalidate()  # (with its session variable)
            raise
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


def _bisect(column, bounds: list[dt.datetime], before: str):
    """The number of ``bounds`` (ascending) that ``column`` is past, as a balanced tree of
    ``CASE``: ``before`` is ``"<"`` when a column at a bound is past it (a start), ``"<="``
    when it is not (an end)."""

    def tree(low: int, high: int):  # the answer lies in low..high
        if low == high:
            return literal(low)
        middle = (low + high) // 2
        under = column < bounds[middle] if before == "<" else column <= bounds[middle]
        return case((under, tree(low, middle)), else_=tree(middle + 1, high))

    return tree(0, len(bounds))


def _utc_text(dialect: str, moment):
    """``moment`` as ``common.envelope.utc_text`` writes it, in SQL."""
    if dialect == "mysql":
        return func.date_format(moment, "%Y-%m-%dT%H:%i:%s")
    return func.strftime("%Y-%m-%dT%H:%M:%S", moment)


def _duration(dialect: str, started, ended):
    """Whole seconds from ``started`` to ``ended`` in SQL (the two dialects the accountant runs
    on)."""
    if dialect == "mysql":
        return func.timestampdiff(literal_column("SECOND"), started, ended)
    return cast(func.strftime("%s", ended), Integer) - cast(func.strftime("%s", started), Integer)


def _server_figures(cell: _Cell) -> dict:
    return {"server_hours": round(cell.total / 3600, 4)}


def _job_figures(cell: _Cell) -> dict:
    return {
        "jobs": cell.jobs,
        "core_hours": round(cell.total / 3600, 4),
        "gpu_hours": round(cell.gpu_seconds / 3600, 4),
    }


def _storage_figures(cell: _Cell) -> dict:
    return {"gb_days": round(cell.total / GB, 4), "peak_gb": round(cell.peak / GB, 4)}


# A cell's figures in users' units, per family (METRICS names them).
FIGURES = {
    "server_instance": _server_figures,
    "job": _job_figures,
    "storage": _storage_figures,
    "user_storage": _storage_figures,
}
