"""A source's daily job rows, recomputed by the database from the jobs table.

A day ``[start, end)`` (local midnights, as UTC instants) counts every job that ran in it:

- a job inside the day (``start <= started_at``, ``start < ended_at <= end``) adds 1 and its
  whole ``core_seconds``; so does a job that took no time at all, on the day it ended;
- a job that crosses a day boundary adds 1 to each day it overlaps by more than 0 seconds, and
  its cores times the seconds of that overlap.

So the parts of a crossing job add up to the whole, and a day is a pure function of the jobs
table: rebuilding it can never double-count. Each day is one ``INSERT ... SELECT ... GROUP BY``
after a ``DELETE``, in one transaction (a reader never sees half a day); no job row comes
through Python. The read is one index range of ``ended_at``: from the day's start to its end
plus the source's longest job (``job_extents``), past which no job can have run into the day.

Two imports of one source may rebuild the same day at once (cron over a manual re-import): the
day ends as the two run one after the other leave it (see ``_rebuild_day``).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from cloudaccountant.importing.days import day_bounds, days
from cloudaccountant.usage.models import Job, JobDaily, JobExtent
from common.db import is_retryable, mysql_code


class seconds_between(FunctionElement):
    """Whole seconds from the first datetime to the second."""

    type = Integer()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between, "mysql")
def _seconds_mysql(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"TIMESTAMPDIFF(SECOND, {start}, {end})"


@compiles(seconds_between)
def _seconds_sqlite(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST(strftime('%s', {end}) AS INTEGER) - CAST(strftime('%s', {start}) AS INTEGER))"


# Days rebuilt at once on MariaDB, each on its own connection: one statement runs on one core of
# the server, so a range of days goes about twice as fast on two. Days never share rows, and under
# READ COMMITTED their DELETEs and INSERTs take no gap locks, so they cannot block each other
# (another import's rebuild of the same day can: see _rebuild_day).
# SQLite has one writer: one day at a time.
MYSQL_WORKERS = 2
# Tries of one day's transaction when a concurrent rebuild of the same day made it fail.
DAY_ATTEMPTS = 5
# MariaDB's duplicate key: another import inserted the day's rows after this one's DELETE.
ER_DUP_ENTRY = 1062


def rebuild_days(
    engine: Engine,
    cloud_controller_id: int,
    resource_type: str,
    timezone: ZoneInfo,
    first: dt.date,
    last: dt.date,
) -> None:
    """Replace the source's daily job rows of ``first``..``last`` (local dates), each day in its
    own transaction."""
    todo = [
        DayRebuild(engine, cloud_controller_id, resource_type, day, *day_bounds(day, timezone))
        for day in reversed(list(days(first, last)))
    ]
    if engine.dialect.name != "mysql" or len(todo) < 2:
        for one in todo:
            _rebuild_day(one)
        return
    with ThreadPoolExecutor(MYSQL_WORKERS, thread_name_prefix="job-days") as pool:
        for done in [pool.submit(_rebuild_day, one) for one in todo]:
            done.result()  # raises what the day raised


class DayRebuild(NamedTuple):
    """One day of one source to rebuild: the local ``day`` is ``[start, end)`` in UTC."""

    engine: Engine
    cloud_controller_id: int
    resource_type: str
    day: dt.date
    start: dt.datetime
    end: dt.datetime


def _rebuild_day(one: DayRebuild) -> None:
    """Replace one day's rows (``[start, end)`` in UTC) in one transaction: readers never see
    half a day.

    Another import of the same source may rebuild the day at the same moment. On MariaDB (READ
    COMMITTED: no gap locks) both DELETEs can find the day empty, or the other can insert a row
    where this DELETE has passed already; the INSERT that comes second then waits for the first
    transaction and fails on its rows (duplicate key), or the two deadlock. That transaction is
    rolled back whole and run again: its DELETE now removes the rows the other committed, and
    its INSERT sums the jobs as they are then. A duplicate key here means only that, as the
    GROUP BY makes one row per key. SQLite runs one write transaction at a time: there only a
    lock held past its busy timeout makes a day fail, and it is run again too.
    """
    for attempt in range(1, DAY_ATTEMPTS + 1):
        try:
            _replace_day(one)
            return
        except DBAPIError as exc:
            duplicate = mysql_code(exc) == ER_DUP_ENTRY
            if attempt == DAY_ATTEMPTS or not (duplicate or is_retryable(exc)):
                raise


def _replace_day(one: DayRebuild) -> None:
    engine, cloud_controller_id, resource_type, day, start, end = one
    jobs, daily, extents = Job.__table__, JobDaily.__table__, JobExtent.__table__
    source = (
        jobs.c.cloud_controller_id == cloud_controller_id,
        jobs.c.resource_type == resource_type,
    )
    group = (jobs.c.cloud_auth_userid, jobs.c.cluster, jobs.c.queue, jobs.c.system_username)
    day_start, day_end = literal(start, DateTime()), literal(end, DateTime())
    inside = and_(jobs.c.started_at >= day_start, jobs.c.ended_at <= day_end)
    overlap = seconds_between(
        case((jobs.c.started_at > day_start, jobs.c.started_at), else_=day_start),
        case((jobs.c.ended_at < day_end, jobs.c.ended_at), else_=day_end),
    )
    ran = [*source, jobs.c.ended_at > day_start, or_(jobs.c.started_at < day_end, inside)]
    rows = (
        select(
            literal(day, Date()),
            literal(cloud_controller_id),
            literal(resource_type),
            *group,
            func.count(),
            func.sum(case((inside, jobs.c.core_seconds), else_=jobs.c.cores * overlap)),
        )
        .where(*ran)
        .group_by(*group)
        # One day range of end times, whatever the statistics say (the foreign key's index on
        # resource_type would read the whole source).
        .with_hint(jobs, "FORCE INDEX (ix_jobs_ended_started)", "mysql")
    )
    columns = [
        "date", "cloud_controller_id", "resource_type", "cloud_auth_userid", "cluster", "queue",
        "system_username", "jobs", "core_seconds",
    ]  # fmt: skip
    conn = engine.connect()
    if engine.dialect.name == "mysql":
        # A consistent read without locking the jobs it sums (INSERT ... SELECT would
        # share-lock them under REPEATABLE READ, holding up a concurrent import).
        conn = conn.execution_options(isolation_level="READ COMMITTED")
    with conn, conn.begin():
        conn.execute(
            delete(daily).where(
                daily.c.cloud_controller_id == cloud_controller_id,
                daily.c.resource_type == resource_type,
                daily.c.date == day,
            )
        )
        # The longest job as it is after the DELETE, not as it was when this import began its
        # days: a concurrent import of the source may since have written a longer job and
        # rebuilt this day with it, and a rebuild committed after that one must count it too.
        # (A batch raises the longest in the transaction that writes its jobs.)
        longest = conn.execute(
            select(extents.c.longest_seconds).where(
                extents.c.cloud_controller_id == cloud_controller_id,
                extents.c.resource_type == resource_type,
            )
        ).scalar()
        if longest is not None:
            rows = rows.where(jobs.c.ended_at <= end + dt.timedelta(seconds=longest))
        conn.execute(insert(daily).from_select(columns, rows))
