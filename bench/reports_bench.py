"""Cloud Accountant reports: a one-year monthly report for an account owner, and the CSV export
of every job, each beside its baseline.

1. Loads ``--jobs`` jobs (default one million) of ``--users`` users (default 10,000) over 2025,
   or over the ``--years`` years up to 2025, straight into the ``jobs`` table (bulk ``INSERT``;
   the import is bench/accountant_import.py's), and their source's longest job into
   ``job_extents`` in the same transaction, as the importer writes it.
2. The job report of 2025 by month, grouped by user, for an account owner and 100 managed users
   (``ReportService.report``, as ``GET /report/job`` runs it): p50/p95 over ``--repeat`` runs,
   then again after ``gc.freeze()`` as the app runs (``common.versionprefix.make_wsgi_app``).
   Goal (issue 13): p95 < 100 ms. Each run alternates with the same report read without the
   bound of ``job_extents`` (as before it), for same-run ratios. With ``--years`` above 1, the
   same for the first year too, whose read the later years' jobs lengthen without the bound.
3. The CSV of every job (``ReportService.stream_jobs`` through ``csvstream.lines``, as ``GET
   /report/job/detail?format=csv`` streams it) in a child process: wall time, rows/s and the
   child's peak RSS (flat: it must not grow with the jobs), beside a plain ``SELECT`` of the same
   rows streamed by the driver (server-side cursor, rows discarded) in another child.

MariaDB by default (``--mysql-url``); ``--sqlite`` runs it on SQLite. ``--keep`` leaves the
loaded database (``scm_bench_reports_<jobs>_<users>``) for the next ``--keep`` run to reuse (the
rows are seeded: same sizes, same rows), so that before/after runs can alternate without a
3-minute load each; drop it by hand when done. ``--years`` above 1 needs ``--report-only`` (the
CSV export and its baseline are of one year's jobs).

    .venv/bin/python bench/reports_bench.py [--jobs 1000000] [--users 10000] [--years 1] [--keep]
        [--report-only | --csv-only]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.accountant_import import database, run_child

YEAR = dt.datetime(2025, 1, 1)
COLUMNS = (
    "cloud_controller_id", "resource_type", "cluster", "job_id", "array_index", "submitted_at",
    "started_at", "ended_at", "system_username", "cloud_auth_userid", "account", "queue", "name",
    "cores", "nodes", "gpus", "state", "core_seconds",
)  # fmt: skip
UTC = ZoneInfo("UTC")


def load(url: str, jobs: int, users: int, years: int = 1) -> None:
    from cloudaccountant.importing.jobs import extend_longest
    from cloudaccountant.usage.models import Job
    from common.db import make_engine
    from common.migrations import upgrade

    engine = make_engine({"sqlalchemy.url": url})
    upgrade("cloudaccountant", engine)
    userids = [f"{n:032x}" for n in range(users)]
    rng = random.Random(13)
    table = Job.__table__
    # Plain tuples through the driver's executemany: PyMySQL folds an ``INSERT ... VALUES`` into
    # multi-row statements of ~1 MB, the fastest load that needs no server-side LOCAL INFILE.
    mark = "?" if url.startswith("sqlite") else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))})"  # noqa: E501, S608
    started = time.perf_counter()
    first = YEAR.replace(year=YEAR.year - years + 1)
    span = int((YEAR.replace(year=YEAR.year + 1) - first).total_seconds())
    longest = 0
    batch = []
    with engine.begin() as conn:
        for n in range(jobs):
            start = first + dt.timedelta(seconds=rng.randrange(span))
            end = start + dt.timedelta(seconds=rng.randrange(30, 8 * 3600))
            longest = max(longest, int((end - start).total_seconds()))
            cores = rng.choice((1, 1, 2, 4, 8, 16, 32))
            user = rng.randrange(users)
            batch.append(
                (1, "slurm", "hpc", str(100000 + n), -1, start, start, end, f"user{user}",
                 userids[user], f"acct{n % 13}", ("normal", "gpu", "long")[n % 3], f"job {n}",
                 cores, 1, 1 if n % 3 == 1 else 0, "COMPLETED",
                 cores * int((end - start).total_seconds()))
            )  # fmt: skip
            if len(batch) == 20000:
                conn.exec_driver_sql(sql, batch)
                batch = []
        if batch:
            conn.exec_driver_sql(sql, batch)
        extend_longest(conn, 1, "slurm", longest)
        if conn.dialect.name == "mysql":
            conn.exec_driver_sql("ANALYZE TABLE jobs")
    engine.dispose()
    print(
        f"data: {jobs:,} jobs of {users:,} users over {first.year}-{YEAR.year}, longest "
        f"{longest:,} s ({time.perf_counter() - started:.1f} s)"
    )


def report_bench(url: str, userids: list[str], repeat: int, years: int = 1) -> None:
    """The owner's report ``repeat`` times, then ``repeat`` times again after ``gc.freeze()``,
    which the app's ``make_wsgi_app`` does once loaded: the objects made at start-up then
    leave the collector's sight. Without it, a full collection walks the ~80,000 objects this
    process loaded about every tenth report (~25-30 ms each): that, not the report, is the
    first run's slow tail. The client's own CPU per report is shown beside the wall time (the
    machine's other processes take wall time from it, not CPU).

    Each report alternates with the same report read without the ``job_extents`` bound (as
    before it): the ratio of their times is the bound's gain (or cost) in this run. The last
    year (2025) always; with ``years`` above 1, the first year as well."""
    from sqlalchemy.orm import Session

    from cloudaccountant.access import Scope
    from cloudaccountant.reports.services import ReportQuery, ReportService
    from common.db import make_engine

    class Unbounded(ReportService):
        """The report as it read before ``job_extents`` bounded the read."""

        def _longest(self, query):
            return None

    engine = make_engine({"sqlalchemy.url": url})
    owner = frozenset(random.Random(7).sample(userids, min(101, len(userids))))
    reported = [YEAR.year] if years == 1 else [YEAR.year, YEAR.year - years + 1]

    def of_year(year: int) -> ReportQuery:
        return ReportQuery(
            family="job", start_date=dt.date(year, 1, 1), end_date=dt.date(year, 12, 31),
            granularity="month", group_by=("user",), scope=Scope(owner),
        )  # fmt: skip

    queries = {year: of_year(year) for year in reported}

    def pct(times, q):
        return sorted(times)[min(len(times) - 1, int(q * len(times)))] * 1000

    with Session(engine) as session:
        services = {"bounded": ReportService(session, None, UTC)}
        services["unbounded"] = Unbounded(session, None, UTC)
        for year, query in queries.items():
            for _ in range(3):  # warm the buffer pool
                result = services["bounded"].report(query)
                before = services["unbounded"].report(query)
            if before["rows"] != result["rows"] or before["totals"] != result["totals"]:
                raise SystemExit(f"bench: the bounded report of {year} differs from the unbounded")
            print(
                f"owner report, {year} by month, grouped by user ({len(owner)} users, "
                f"{result['totals']['jobs']:,} jobs, {len(result['rows'])} rows), load average "
                f"{os.getloadavg()[0]:.2f}:"
            )
        for frozen in (False, True):
            if frozen:  # as the app, once loaded
                gc.collect()
                gc.freeze()
            for year, query in queries.items():
                times = {name: [] for name in services}
                cpu = {name: [] for name in services}
                for _ in range(repeat):
                    for name, service in services.items():
                        t0, c0 = time.perf_counter(), time.process_time()
                        service.report(query)
                        times[name].append(time.perf_counter() - t0)
                        cpu[name].append(time.process_time() - c0)
                label = "after gc.freeze() (as the app)" if frozen else "start-up objects in sight"
                print(f"  {year}, {label}:")
                for name in services:
                    goal = "  (goal p95 < 100 ms)" if frozen and name == "bounded" else ""
                    print(
                        f"    {name:9} p50 {pct(times[name], 0.5):6.1f} ms, p95 "
                        f"{pct(times[name], 0.95):6.1f} ms (client CPU p50 "
                        f"{pct(cpu[name], 0.5):4.1f} ms){goal}"
                    )
                print(
                    "    bounded / unbounded: p50 "
                    f"{pct(times['bounded'], 0.5) / pct(times['unbounded'], 0.5):.2f}, p95 "
                    f"{pct(times['bounded'], 0.95) / pct(times['unbounded'], 0.95):.2f}"
                )
            if frozen:
                gc.unfreeze()
    engine.dispose()


def csv_child(url: str, out: str) -> None:
    """Every job as the API streams it, written to ``out`` (a child: its RSS is measured)."""
    from sqlalchemy.orm import sessionmaker

    from cloudaccountant.access import Scope
    from cloudaccountant.reports import csvstream
    from cloudaccountant.reports.services import JOB_FIELDS, ReportQuery, ReportService
    from common.db import make_engine

    engine = make_engine({"sqlalchemy.url": url})
    service = ReportService(None, sessionmaker(bind=engine), UTC)
    query = ReportQuery(
        family="job", start_date=dt.date(2025, 1, 1), end_date=dt.date(2026, 1, 1),
        granularity="day", group_by=(), scope=Scope(None),
    )  # fmt: skip
    with open(out, "wb") as sink:
        for chunk in csvstream.lines(list(JOB_FIELDS), service.stream_jobs(query)):
            sink.write(chunk)
    engine.dispose()


def select_child(url: str) -> None:
    """The baseline: the same rows, read through the driver's server-side cursor, discarded.
    MariaDB sorts them as the export does (whole rows, not row ids read again afterwards: a
    baseline paying that second read would flatter the export)."""
    import sqlalchemy as sa

    from cloudaccountant.reports.services import SORT_ROW
    from cloudaccountant.usage.models import Job
    from common.db import make_engine

    engine = make_engine({"sqlalchemy.url": url})
    table = Job.__table__
    with engine.connect() as conn:
        if conn.dialect.name == "mysql":  # whole rows in the sort, as the export has them
            conn.exec_driver_sql(f"SET SESSION max_length_for_sort_data = {SORT_ROW}")
        result = conn.execution_options(yield_per=2000).execute(
            sa.select(table).order_by(table.c.ended_at)
        )
        for _ in result:
            pass
    engine.dispose()


def export_bench(url: str, jobs: int, workdir: Path) -> None:
    me = [sys.executable, os.path.abspath(__file__)]
    out = workdir / "jobs.csv"
    seconds, peak = run_child([*me, "--csv-child", url, str(out)])
    with open(out, "rb") as written:
        lines = sum(1 for _ in written) - 1
    print(
        f"CSV export: {lines:,} jobs in {seconds:.1f} s, {lines / seconds:,.0f} rows/s, "
        f"peak RSS {peak:.0f} MB, {out.stat().st_size / 2**20:.0f} MB written"
    )
    seconds, peak = run_child([*me, "--select-child", url])
    print(f"  baseline plain SELECT streamed: {jobs / seconds:,.0f} rows/s, peak RSS {peak:.0f} MB")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument(
        "--years",
        type=int,
        default=1,
        help="spread the jobs over this many years up to 2025, and report on the first too",
    )
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--mysql-url", default="mysql+pymysql://root@127.0.0.1:3306/")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--report-only", action="store_true", help="skip the CSV export")
    parser.add_argument("--csv-only", action="store_true", help="skip the owner's report")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="MariaDB: keep the loaded database when the run ends, and reuse it (same --jobs "
        "and --users) instead of loading again (for alternating before/after runs)",
    )
    parser.add_argument("--csv-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--select-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.years < 1 or (args.years > 1 and not args.report_only):
        parser.error("--years: at least 1; above 1 only with --report-only")
    if args.csv_child:
        csv_child(*args.csv_child)
        return 0
    if args.select_child:
        select_child(args.select_child)
        return 0
    with tempfile.TemporaryDirectory(prefix="scm-reports-bench-") as tmp:
        args.workdir = tmp
        url = kept(args) if args.keep and not args.sqlite else None
        if url is None:
            url = database(args, "reports")
            load(url, args.jobs, args.users, args.years)
        userids = [f"{n:032x}" for n in range(args.users)]
        try:
            if not args.csv_only:
                report_bench(url, userids, args.repeat, args.years)
            if not args.report_only:
                export_bench(url, args.jobs, Path(tmp))
        finally:
            if not args.keep:
                drop(args, url)
    return 0


def kept(args) -> str | None:
    """The URL of a database a ``--keep`` run left with ``--jobs`` jobs of ``--users`` users
    over ``--years`` years (the generator is seeded: same sizes, same rows), or None."""
    import sqlalchemy as sa

    db = f"scm_bench_reports_{args.jobs}_{args.users}"
    if args.years > 1:
        db += f"_{args.years}y"
    url = sa.engine.make_url(args.mysql_url).set(database=db, query={"charset": "utf8mb4"})
    server = sa.create_engine(args.mysql_url)
    with server.connect() as conn:
        found = conn.exec_driver_sql("SHOW DATABASES LIKE %s", (db,)).first()
        if found is None:
            conn.exec_driver_sql(f"CREATE DATABASE {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    server.dispose()
    text = url.render_as_string(hide_password=False)
    if found is None:
        load(text, args.jobs, args.users, args.years)
        return text
    engine = sa.create_engine(text)
    with engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT COUNT(*) FROM jobs").scalar()
    engine.dispose()
    if count != args.jobs:
        raise SystemExit(f"bench: {db} holds {count:,} jobs, not {args.jobs:,}; drop it first")
    print(f"data: reusing {db} ({count:,} jobs)")
    return text


def drop(args, url: str) -> None:
    """The bench's own database goes when the run ends (SQLite's goes with the temporary dir)."""
    if args.sqlite:
        return
    import sqlalchemy as sa

    server = sa.create_engine(args.mysql_url)
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {sa.engine.make_url(url).database}")
    server.dispose()


if __name__ == "__main__":
    sys.exit(main())
