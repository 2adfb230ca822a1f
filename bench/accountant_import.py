"""Cloud Accountant: Slurm import throughput and peak memory, and daily-summary query latency.

1. Generates a sacct -P file of ``--jobs`` jobs (default one million) over one month, run by
   ``--import-users`` system users (default 1,000).
2. Baselines measured in the same run: ``wc -l`` of the file (reading it), a plain bulk
   ``INSERT`` of the same rows (PyMySQL ``executemany``, no parsing, no upsert, no summaries)
   into a copy of the jobs table, and MariaDB's bulk-load limit: ``LOAD DATA LOCAL INFILE`` of
   the same rows (sorted by end time, as the importer writes) into the ``jobs`` table of a
   database migrated the same way (same indexes and foreign key). It needs ``local_infile`` ON
   on the server (checked; MariaDB's default) and PyMySQL's ``local_infile=True``.
3. ``import_slurm --sacct-output`` on that file, in a child process: wall time, jobs/s, the
   child's peak RSS (its memory must stay flat however large the file), and the time of its two
   phases (the jobs; the daily rows), each against the LOAD DATA rate (goal >= 0.8x).
4. Re-import of one old day (2 March) of the million-job table, in ms (median of 3), beside a
   fresh import of the same day into an empty table; and the day rebuild's read of the later
   jobs that ran into the day, alone, bounded by ``job_extents`` and as before migration 0005
   (every later job's index entry).
5. A one-year daily-summary query for an account owner with 100 managed users in a database of
   ``--users`` users (default 10,000): p50/p95 of the first page and of reading every page.

Goals (issue 6): >= 20,000 jobs/s, < 200 MB peak, p95 < 100 ms. MariaDB by default
(``--mysql-url``); ``--sqlite`` runs it on SQLite instead.

    .venv/bin/python bench/accountant_import.py [--jobs 1000000] [--users 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FORMAT = "%Y-%m-%dT%H:%M:%S"
MONTH = dt.datetime(2026, 3, 1)
HEADER = (
    "JobID|JobIDRaw|Cluster|User|Account|Partition|Submit|Start|End|AllocCPUS|NNodes|"
    "AllocTRES|State|JobName\n"
)


def generate(path: Path, jobs: int, users: int) -> None:
    rng = random.Random(6)
    with open(path, "w", buffering=1 << 20) as out:
        out.write(HEADER)
        for n in range(jobs):
            start = MONTH + dt.timedelta(seconds=rng.randrange(30 * 86400))
            end = start + dt.timedelta(seconds=rng.randrange(30, 8 * 3600))
            submit = start - dt.timedelta(seconds=rng.randrange(0, 600))
            cores = rng.choice((1, 1, 2, 4, 8, 16, 32))
            task = f"_{n % 10}" if n % 7 == 0 else ""
            out.write(
                f"{100000 + n}{task}|{100000 + n}|hpc|user{rng.randrange(users)}|acct{n % 13}|"
                f"{('normal', 'gpu', 'long')[n % 3]}|{submit.strftime(FORMAT)}|"
                f"{start.strftime(FORMAT)}|{end.strftime(FORMAT)}|{cores}|1|"
                f"cpu={cores},node=1|COMPLETED|job {n}\n"
            )


def database(args, name: str) -> str:
    import sqlalchemy as sa

    if args.sqlite:
        return f"sqlite:///{args.workdir}/{name}.sqlite"
    server = sa.create_engine(args.mysql_url)
    db = f"scm_bench_{name}"
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {db}")
        conn.exec_driver_sql(f"CREATE DATABASE {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    server.dispose()
    url = sa.engine.make_url(args.mysql_url).set(database=db, query={"charset": "utf8mb4"})
    return url.render_as_string(hide_password=False)


def run_child(argv: list[str], output: list[str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child process; its stdout into ``output`` if given."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(argv, stdout=out if output is not None else subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        if output is not None:
            out.seek(0)
            output.extend(out.read().decode().splitlines())
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {' '.join(argv[:4])}... exited with {status}")
    return elapsed, usage.ru_maxrss / 1024


COLUMNS = (
    "cloud_controller_id, resource_type, cluster, job_id, array_index, submitted_at, "
    "started_at, ended_at, system_username, cloud_auth_userid, account, queue, name, cores, "
    "nodes, gpus, state, core_seconds"
)


def baseline_rows(path: str):
    """The rows import_slurm writes for the generated file, split as they are (no parsing of
    times, no checks): what both baselines load."""
    with open(path) as lines:
        next(lines)
        for line in lines:
            f = line.rstrip("\n").split("|", 13)
            job, _, task = f[0].partition("_")
            start, end = f[7].replace("T", " "), f[8].replace("T", " ")
            seconds = int(
                (dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)).total_seconds()
            )
            yield (
                1, "slurm", f[2], job, int(task) if task else -1, f[6].replace("T", " "),
                start, end, f[3], "", f[4], f[5], f[13], int(f[9]), int(f[10]), 0, f[12],
                int(f[9]) * seconds,
            )  # fmt: skip


def plain_insert(url: str, path: str) -> None:
    """A baseline: the same rows, inserted as they are (run as a child)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    marks = ", ".join(["?" if url.startswith("sqlite") else "%s"] * 18)
    sql = f"INSERT INTO jobs_plain ({COLUMNS}) VALUES ({marks})"  # noqa: S608
    with engine.begin() as conn:
        if url.startswith("sqlite"):
            conn.exec_driver_sql("CREATE TABLE jobs_plain AS SELECT * FROM jobs WHERE 0")
        else:
            conn.exec_driver_sql("CREATE TABLE jobs_plain LIKE jobs")
    raw = engine.raw_connection()
    cursor = raw.cursor()
    batch = []
    for row in baseline_rows(path):
        batch.append(row)
        if len(batch) == 5000:
            cursor.executemany(sql, batch)
            raw.commit()
            batch = []
    if batch:
        cursor.executemany(sql, batch)
        raw.commit()
    raw.close()


def load_data(url: str, path: str, order: str = "sorted") -> None:
    """The bulk-load limit (run as a child): the same rows as a tab-separated file, in the
    file's order (``order`` "file": the scheduler's, by job id) or sorted by end time, then one
    ``LOAD DATA LOCAL INFILE`` into the ``jobs`` table of a database migrated like the import's
    (same indexes, same foreign key). Prints the seconds of the LOAD DATA alone: writing and
    sorting the file is not counted."""
    import sqlalchemy as sa

    tsv = path + ".tsv"

    def field(value) -> str:
        text = str(value)
        if "\\" in text or "\t" in text or "\n" in text:
            text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        return text

    with open(tsv + ".unsorted", "w", buffering=1 << 20) as out:
        for row in baseline_rows(path):
            out.write("\t".join(map(field, row)) + "\n")
    if order == "sorted":
        subprocess.run(
            ["sort", "-t", "\t", "-k8,8", "-S", "64M", "-o", tsv, tsv + ".unsorted"],
            check=True,
            env={**os.environ, "LC_ALL": "C"},
        )
        os.unlink(tsv + ".unsorted")
    else:
        os.rename(tsv + ".unsorted", tsv)
    engine = sa.create_engine(url, connect_args={"local_infile": True})
    with engine.connect() as conn:
        server = conn.exec_driver_sql("SELECT @@GLOBAL.local_infile").scalar()
        if str(server) not in ("1", "ON"):
            raise SystemExit("bench: the server has local_infile OFF (SET GLOBAL local_infile=1)")
    raw = engine.raw_connection()
    cursor = raw.cursor()
    start = time.perf_counter()
    cursor.execute(
        f"LOAD DATA LOCAL INFILE '{tsv}' INTO TABLE jobs CHARACTER SET utf8mb4 "
        "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' "
        f"({COLUMNS})"
    )
    raw.commit()
    print(f"{time.perf_counter() - start:.3f}")
    raw.close()
    os.unlink(tsv)


def query_bench(args, url: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from cloudaccountant.access import Scope
    from cloudaccountant.summaries.services import LISTINGS, UsageQuery, list_usage
    from cloudaccountant.usage.models import JobDaily
    from common.db import make_engine
    from common.migrations import upgrade

    engine = make_engine({"sqlalchemy.url": url})
    upgrade("cloudaccountant", engine)
    rng = random.Random(7)
    year = [dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(365)]
    userids = [f"{n:032x}" for n in range(args.users)]
    start = time.perf_counter()
    table = JobDaily.__table__
    rows = []
    total = 0
    with engine.begin() as conn:
        for userid in userids:
            for day in sorted(rng.sample(year, args.days_per_user)):
                rows.append(
                    {"date": day, "cloud_controller_id": 1, "cloud_auth_userid": userid,
                     "resource_type": "slurm", "cluster": "hpc", "queue": "normal",
                     "system_username": "u" + userid[-8:], "jobs": 3, "core_seconds": 3600}
                )  # fmt: skip
            if len(rows) >= 20000:
                conn.execute(sa.insert(table), rows)
                total += len(rows)
                rows = []
        conn.execute(sa.insert(table), rows)
        total += len(rows)
    print(
        f"query data: {total:,} daily job rows for {args.users:,} users "
        f"({time.perf_counter() - start:.1f} s to load)"
    )
    owner = set(rng.sample(userids, 101))  # the owner and 100 managed users
    query = UsageQuery(dt.date(2025, 1, 1), dt.date(2025, 12, 31), Scope(frozenset(owner)))
    tz = __import__("zoneinfo").ZoneInfo("UTC")
    first, walk, pages = [], [], 0
    with Session(engine) as session:
        for _ in range(3):  # warm the buffer pool
            list_usage(session, LISTINGS["job"], query, tz)
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            page = list_usage(session, LISTINGS["job"], query, tz)
            first.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pages = 1
            while page["next"]:
                page = list_usage(
                    session,
                    LISTINGS["job"],
                    UsageQuery(**{**query.__dict__, "after": page["next"]}),
                    tz,
                )
                pages += 1
            walk.append(first[-1] + time.perf_counter() - t0)
    engine.dispose()

    def pct(values, q):
        return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000

    print(
        f"owner query, one year, 101 users: first page p50 {pct(first, 0.5):.1f} ms, "
        f"p95 {pct(first, 0.95):.1f} ms; all {pages} pages p50 {pct(walk, 0.5):.1f} ms, "
        f"p95 {pct(walk, 0.95):.1f} ms (goal p95 < 100 ms)"
    )
    print(f"  (median first page {statistics.median(first) * 1000:.1f} ms over {args.repeat} runs)")


def drop(args, url: str) -> None:
    if args.sqlite:
        return
    import sqlalchemy as sa

    server = sa.create_engine(args.mysql_url)
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {sa.engine.make_url(url).database}")
    server.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=10_000, help="users in the query database")
    parser.add_argument(
        "--import-users", type=int, default=1_000, help="system users running the jobs"
    )
    parser.add_argument("--days-per-user", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--mysql-url", default="mysql+pymysql://root@127.0.0.1:3306/")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-query", action="store_true")
    parser.add_argument("--plain-insert", help=argparse.SUPPRESS, nargs=2)
    parser.add_argument("--load-data", help=argparse.SUPPRESS, nargs=3)
    parser.add_argument("--time-import", help=argparse.SUPPRESS, nargs=2)
    args = parser.parse_args(argv)
    if args.time_import:
        time_import(*args.time_import)
        return 0
    if args.plain_insert:
        plain_insert(*args.plain_insert)
        return 0
    if args.load_data:
        load_data(*args.load_data)
        return 0
    with tempfile.TemporaryDirectory(prefix="scm-acct-bench-") as workdir:
        args.workdir = workdir
        if not args.skip_import:
            import_bench(args, Path(workdir))
        if not args.skip_query:
            query_bench(args, database(args, "accountant_query"))
    return 0


def import_bench(args, workdir: Path) -> None:
    sacct = workdir / "sacct.txt"
    t0 = time.perf_counter()
    generate(sacct, args.jobs, args.import_users)
    size = sacct.stat().st_size / 2**20
    print(f"generated {args.jobs:,} jobs, {size:.0f} MB, in {time.perf_counter() - t0:.1f} s")
    wc, wc_rss = run_child(["wc", "-l", str(sacct)])
    print(f"baseline wc -l:        {wc:6.2f} s  {args.jobs / wc:>12,.0f} lines/s  {wc_rss:6.1f} MB")

    url = database(args, "accountant_import")
    from common.db import make_engine
    from common.migrations import upgrade

    engine = make_engine({"sqlalchemy.url": url})
    upgrade("cloudaccountant", engine)
    engine.dispose()
    plain, plain_rss = run_child(
        [sys.executable, __file__, "--plain-insert", url, str(sacct), "--skip-query"]
    )
    print(
        f"baseline bulk INSERT:  {plain:6.2f} s  {args.jobs / plain:>12,.0f} rows/s   "
        f"{plain_rss:6.1f} MB"
    )
    load_rates = {}
    for order, what in (("file", "in the file's order"), ("sorted", "sorted by end time")):
        if args.sqlite:
            break
        load_url = database(args, "accountant_load")
        engine = make_engine({"sqlalchemy.url": load_url})
        upgrade("cloudaccountant", engine)
        engine.dispose()
        said: list[str] = []
        run_child([sys.executable, __file__, "--load-data", load_url, str(sacct), order], said)
        load = float(said[-1])
        load_rates[order] = args.jobs / load
        print(
            f"baseline LOAD DATA:    {load:6.2f} s  {args.jobs / load:>12,.0f} rows/s   (LOCAL "
            f"INFILE of the same rows, {what}, into a jobs table migrated the same way)"
        )
        drop(args, load_url)
    ini = workdir / "acct.ini"
    ini.write_text(
        "[app:main]\nuse = call:cloudaccountant:main\n"
        f"sqlalchemy.accountant.url = {url}\ncloudauth.url = http://127.0.0.1:9\n"
        "sqlalchemy.cloud.1.slurm.server = local\n"
    )
    said: list[str] = []
    elapsed, rss = run_child(
        [
            sys.executable, "-m", "cloudaccountant.scripts.import_slurm", str(ini),
            "2026-03-01", "2026-03-31", "--controller", "1", "--sacct-output", str(sacct),
        ],
        said,
    )  # fmt: skip
    phases = re.search(r"jobs written in ([\d.]+) s, daily rows in ([\d.]+) s", said[-1])
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        daily = conn.exec_driver_sql("SELECT COUNT(*) FROM job_daily").scalar()
        jobs = conn.exec_driver_sql("SELECT COUNT(*) FROM jobs").scalar()
    engine.dispose()
    print(f"imported {jobs:,} job rows and {daily:,} daily job rows")
    print(
        f"import_slurm:          {elapsed:6.2f} s  {args.jobs / elapsed:>12,.0f} jobs/s   "
        f"{rss:6.1f} MB peak  ({plain / elapsed:.2f}x the bulk INSERT's speed, "
        f"{elapsed / wc:.0f}x wc -l; goals >= 20,000 jobs/s, < 200 MB)"
    )
    jobs_seconds, days_seconds = float(phases.group(1)), float(phases.group(2))
    print(
        f"  of which the jobs (parsed and written): {jobs_seconds:6.2f} s "
        f"{args.jobs / jobs_seconds:>12,.0f} jobs/s; the daily rows recomputed from them: "
        f"{days_seconds:.2f} s"
    )
    for order, rate in load_rates.items():
        print(
            f"  against LOAD DATA's rate ({order} order): the jobs "
            f"{args.jobs / jobs_seconds / rate:.2f}x, the whole import "
            f"{args.jobs / elapsed / rate:.2f}x (goal >= 0.8x)"
        )
    reimport_bench(args, workdir, sacct, url, ini)
    drop(args, url)


OLD_DAY = "2026-03-02"


def reimport_bench(args, workdir: Path, sacct: Path, url: str, ini: Path) -> None:
    """Re-import one old day (2 March, the jobs that ended on it, as sacct lists them) into the
    full table, beside a fresh import of the same day into an empty one; then the rebuild's read
    of later jobs alone, bounded by job_extents and unbounded (the old way)."""
    from common.db import make_engine
    from common.migrations import upgrade

    day = workdir / "day.txt"
    with open(sacct) as src, open(day, "w") as out:
        out.write(next(src))
        out.writelines(line for line in src if line.split("|", 9)[8].startswith(OLD_DAY))
    jobs = len(day.read_text().splitlines()) - 1

    def timed(ini_path: Path) -> tuple[float, float]:
        """The milliseconds of the whole import, and of its daily rows."""
        said: list[str] = []
        run_child([sys.executable, __file__, "--time-import", str(ini_path), str(day)], said)
        total, days = said[-1].split()
        return float(total), float(days)

    def median(runs: list[tuple[float, float]]) -> str:
        total = statistics.median(t for t, _ in runs)
        days = statistics.median(d for _, d in runs)
        each = ", ".join(f"{t:,.0f}/{d:,.0f}" for t, d in runs)
        return f"{total:,.0f} ms, of which the daily rows {days:,.0f} ms ({each})"

    again = [timed(ini) for _ in range(3)]
    fresh_url = database(args, "accountant_day")
    engine = make_engine({"sqlalchemy.url": fresh_url})
    upgrade("cloudaccountant", engine)
    engine.dispose()
    fresh_ini = workdir / "fresh.ini"
    fresh_ini.write_text(ini.read_text().replace(url, fresh_url))
    fresh = timed(fresh_ini)
    drop(args, fresh_url)
    print(f"one old day, {OLD_DAY} ({jobs:,} jobs), total/daily rows in ms:")
    print(f"  re-import into the {args.jobs:,}-job table: {median(again)}")
    print(f"  fresh import of the day into an empty table: {median([fresh])}")
    later_read(url)


def later_read(url: str) -> None:
    """The read the day rebuild makes of jobs that ended after the day but ran into it, alone:
    bounded by the longest job (job_extents), and as it was (every later job's index entry)."""
    import sqlalchemy as sa

    after = dt.datetime.fromisoformat(OLD_DAY) + dt.timedelta(days=1)
    sql = (
        "SELECT started_at, ended_at, cores, cloud_auth_userid, cluster, queue, system_username "
        "FROM jobs FORCE INDEX (ix_jobs_ended_started) WHERE cloud_controller_id = 1 "
        "AND resource_type = 'slurm' AND ended_at > %(after)s AND started_at < %(after)s"
    )
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        longest = conn.exec_driver_sql("SELECT MAX(longest_seconds) FROM job_extents").scalar()
        bound = after + dt.timedelta(seconds=longest)
        timings = {}
        for name, text, params in (
            ("bounded", sql + " AND ended_at <= %(bound)s", {"after": after, "bound": bound}),
            ("every later job", sql, {"after": after}),
        ):
            runs = []
            for _ in range(5):
                t0 = time.perf_counter()
                rows = len(conn.exec_driver_sql(text, params).all())
                runs.append((time.perf_counter() - t0) * 1000)
            timings[name] = (statistics.median(runs), rows)
    engine.dispose()
    print(
        "  the rebuild's read of later jobs that ran into the day, alone (median of 5): "
        + "; ".join(f"{k} {ms:,.1f} ms ({n:,} rows)" for k, (ms, n) in timings.items())
        + f"; bound: the longest job, {longest:,} s"
    )


def time_import(ini: str, day_file: str) -> None:
    """(child) import_slurm of one day's file; prints the milliseconds of main() and of its
    daily rows (from the summary line)."""
    import contextlib
    import io

    from cloudaccountant.scripts import import_slurm

    argv = [ini, OLD_DAY, OLD_DAY, "--controller", "1", "--sacct-output", day_file]
    summary = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(summary):
        status = import_slurm.main(argv)
    elapsed = (time.perf_counter() - start) * 1000
    if status != 0:
        raise SystemExit(f"bench: import_slurm exited with {status}")
    days = re.search(r"daily rows in ([\d.]+) s", summary.getvalue())
    print(f"{elapsed:.1f} {float(days.group(1)) * 1000:.1f}")


if __name__ == "__main__":
    sys.exit(main())
