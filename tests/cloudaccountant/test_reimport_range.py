"""Re-importing an old range reads only the jobs that touch its days.

The jobs that ended after a range but ran into it ended before the range's end plus the
source's longest job (``job_extents``, kept in each batch's transaction): the day rebuild reads
that bounded index range, never every later job, and still counts the long job's part.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cloudaccountant.importing.jobs import JobImporter
from cloudaccountant.importing.records import JobRecord
from cloudaccountant.usage.models import JobExtent
from common.db import make_engine
from common.migrations import upgrade
from tests.cloudaccountant.helpers import UTC, d, daily_jobs
from tests.conftest import database_url, drop_database


def _job(job_id: str, start: str, end: str, cores: int, user: str = "ann") -> JobRecord:
    return JobRecord(
        cluster="hpc",
        job_id=job_id,
        array_index=-1,
        submitted_at=dt.datetime.fromisoformat(start),
        started_at=dt.datetime.fromisoformat(start),
        ended_at=dt.datetime.fromisoformat(end),
        system_username=user,
        account="",
        queue="q",
        name="",
        cores=cores,
        nodes=1,
        gpus=0,
        state="COMPLETED",
    )


def _extents(engine) -> dict[tuple[str, int], int]:
    table = JobExtent.__table__
    with engine.connect() as conn:
        return {
            (r.resource_type, r.cloud_controller_id): r.longest_seconds
            for r in conn.execute(sa.select(table))
        }


def test_the_longest_job_of_each_source_is_kept_and_only_grows(acct_db):
    slurm = JobImporter(acct_db, 1, "slurm", UTC, {}, 2)
    slurm.run(
        iter(
            [
                _job("1", "2026-03-01 10:00", "2026-03-01 10:01", 1),  # 60 s
                _job("2", "2026-03-01 10:00", "2026-03-01 12:00", 1),  # 7,200 s
                _job("3", "2026-03-01 10:00", "2026-03-01 10:05", 1),  # 300 s
            ]
        ),
        d("2026-03-01"),
        d("2026-03-01"),
    )
    JobImporter(acct_db, 2, "pbs", UTC, {}, 2).run(
        iter([_job("9", "2026-03-01 10:00", "2026-03-01 10:30", 1)]),  # 1,800 s
        d("2026-03-01"),
        d("2026-03-01"),
    )
    assert _extents(acct_db) == {("slurm", 1): 7200, ("pbs", 2): 1800}
    slurm.run(
        iter([_job("4", "2026-03-02 10:00", "2026-03-02 10:10", 1)]),
        d("2026-03-02"),
        d("2026-03-02"),
    )
    assert _extents(acct_db)[("slurm", 1)] == 7200


def test_an_old_day_rebuilt_reads_a_bounded_range_and_counts_the_long_job(acct_db):
    importer = JobImporter(acct_db, 1, "slurm", UTC, {}, 10)
    # A 4-core job from 1 March 22:00 to 5 March 02:00 (76 h), imported with 5 March.
    importer.run(
        iter([_job("long", "2026-03-01 22:00", "2026-03-05 02:00", 4)]),
        d("2026-03-05"),
        d("2026-03-05"),
    )
    # Jobs of later days that do not touch 1 March.
    later = [
        _job(f"x{n}", f"2026-03-{10 + n} 01:00", f"2026-03-{10 + n} 02:00", 1) for n in range(5)
    ]
    importer.run(iter(later), d("2026-03-10"), d("2026-03-14"))

    statements: list[tuple[str, list]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        statements.append((statement, list(values)))

    sa.event.listen(acct_db, "before_cursor_execute", seen)
    try:
        importer.run(
            iter([_job("short", "2026-03-01 09:00", "2026-03-01 09:30", 2)]),
            d("2026-03-01"),
            d("2026-03-01"),
        )
    finally:
        sa.event.remove(acct_db, "before_cursor_execute", seen)

    # 1 March: the short job's 2 x 1,800 s and the long job's 4 x 2 h before midnight.
    days = daily_jobs(acct_db)
    assert days[("2026-03-01", "", "ann", "q")] == (2, 2 * 1800 + 4 * 7200)
    # The later jobs' read ends at 2 March 00:00 plus the longest job (76 h): 5 March 04:00.
    bound = dt.datetime(2026, 3, 5, 4, 0)
    reads = [  # SQLite's driver is given the time as text
        s
        for s, values in statements
        if "FROM jobs" in s and any(v == bound or v == f"{bound}.000000" for v in values)
    ]
    assert len(reads) == 1, [s for s, _ in statements]
    assert "ended_at <=" in reads[0]


def test_the_migration_fills_the_extents_from_stored_jobs(tmp_path_factory):
    url = database_url("acct_extents", tmp_path_factory)
    engine = make_engine({"sqlalchemy.url": url})
    try:
        upgrade("cloudaccountant", engine, "0004")
        jobs = sa.table(
            "jobs",
            *(sa.column(n) for n in ("cloud_controller_id", "resource_type", "cluster", "job_id")),
            *(sa.column(n) for n in ("array_index", "submitted_at", "started_at", "ended_at")),
            *(sa.column(n) for n in ("system_username", "cloud_auth_userid", "account", "queue")),
            *(sa.column(n) for n in ("name", "cores", "nodes", "gpus", "state", "core_seconds")),
        )
        rows = [
            (1, "slurm", "2026-03-01 10:00:00", "2026-03-01 10:00:45"),  # 45 s
            (1, "slurm", "2026-03-01 10:00:00", "2026-03-02 11:00:00"),  # 25 h: 90,000 s
            (2, "sge", "2026-03-01 23:59:59", "2026-03-02 00:00:01"),  # 2 s
        ]
        with engine.begin() as conn:
            for n, (cc, kind, start, end) in enumerate(rows):
                conn.execute(
                    jobs.insert().values(
                        cloud_controller_id=cc, resource_type=kind, cluster="c", job_id=str(n),
                        array_index=-1, submitted_at=dt.datetime.fromisoformat(start),
                        started_at=dt.datetime.fromisoformat(start),
                        ended_at=dt.datetime.fromisoformat(end), system_username="u",
                        cloud_auth_userid="", account="", queue="", name="", cores=1, nodes=1,
                        gpus=0, state="COMPLETED", core_seconds=0,
                    )
                )  # fmt: skip
        upgrade("cloudaccountant", engine)
        assert _extents(engine) == {("slurm", 1): 90_000, ("sge", 2): 2}
    finally:
        engine.dispose()
        drop_database(url)
