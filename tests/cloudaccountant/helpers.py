"""Small helpers shared by the accountant's tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from cloudaccountant.importing.jobs import extend_longest
from cloudaccountant.usage.models import Job, JobDaily

SAMPLES = Path(__file__).parent / "samples"
UTC = ZoneInfo("UTC")
ALICE, BOB, CAROL = "a" * 32, "b" * 32, "c" * 32


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def add_jobs(session, rows: Iterable[Job]) -> None:
    """Add ``rows`` to ``session`` and raise their sources' longest jobs with them, as the
    importer does in each batch's transaction (production stores jobs only through it, and the
    job report bounds its read by these lengths)."""
    rows = list(rows)
    session.add_all(rows)
    longest: dict[tuple[int, str], int] = {}
    for job in rows:
        source = (job.cloud_controller_id, job.resource_type)
        seconds = int((job.ended_at - job.started_at).total_seconds())
        longest[source] = max(longest.get(source, 0), seconds)
    connection = session.connection()
    for (cloud_controller_id, resource_type), seconds in longest.items():
        extend_longest(connection, cloud_controller_id, resource_type, seconds)


def daily_jobs(engine) -> dict[tuple, tuple[int, int]]:
    """``(date, user, system user, queue) -> (jobs, core_seconds)`` of every job_daily row."""
    table = JobDaily.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table)).mappings().all()
    return {
        (r["date"].isoformat(), r["cloud_auth_userid"], r["system_username"], r["queue"]): (
            r["jobs"],
            r["core_seconds"],
        )
        for r in rows
    }


def jobs(engine) -> list[dict]:
    table = Job.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.job_id, table.c.array_index))
        return [dict(r) for r in rows.mappings()]


def write_ini(path: Path, settings: dict[str, str]) -> Path:
    """An .ini PasteDeploy can load before the egg entry point exists (``call:``)."""
    lines = ["[app:main]", "use = call:cloudaccountant:main"]
    lines += [f"{k} = {v}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def _march_jobs(count: int, users: int, step: int):
    """``(n, user, start, end, cores)`` of ``count`` jobs over March 2026 (deterministic), the
    n-th starting ``n * step`` seconds into the month (wrapping after 29 days)."""
    base = dt.datetime(2026, 3, 1)
    for n in range(count):
        start = base + dt.timedelta(seconds=(n * step) % (29 * 86400))
        end = start + dt.timedelta(seconds=60 + (n * 7919) % 20000)
        yield n, f"user{n % users}", start, end, 1 + n % 16


SACCT_HEADER = (
    "JobID|JobIDRaw|Cluster|User|Account|Partition|Submit|Start|End|AllocCPUS|NNodes"
    "|AllocTRES|State|JobName\n"
)


def sacct_line(
    job_id: str, user: str, start: dt.datetime, end: dt.datetime, cores: int, name: str = "job"
) -> str:
    """One ended job as a line of ``sacct -P`` (cluster hpc, partition normal)."""
    fmt = "%Y-%m-%dT%H:%M:%S"
    return (
        f"{job_id}|{job_id}|hpc|{user}|acct|normal|{start.strftime(fmt)}|{start.strftime(fmt)}|"
        f"{end.strftime(fmt)}|{cores}|1|cpu={cores},node=1|COMPLETED|{name}\n"
    )


def write_sacct(path: Path, count: int, users: int = 50, step: int = 37) -> Path:
    """A sacct -P file of ``count`` ended jobs over March 2026 (deterministic)."""
    with open(path, "w") as out:
        out.write(SACCT_HEADER)
        for n, user, start, end, cores in _march_jobs(count, users, step):
            out.write(sacct_line(str(1000 + n), user, start, end, cores, f"job {n}"))
    return path


def pbs_line(job_id: str, user: str, start: dt.datetime, end: dt.datetime, cores: int) -> str:
    """One ended job as a PBS accounting ``E`` record (server pbsserver, queue normal)."""
    epoch = dt.datetime(1970, 1, 1)
    started, ended = int((start - epoch).total_seconds()), int((end - epoch).total_seconds())
    return (
        f"{end.strftime('%m/%d/%Y %H:%M:%S')};E;{job_id}.pbsserver;user={user} group=users "
        f"account=acct jobname=job queue=normal ctime={started} qtime={started} "
        f"etime={started} start={started} exec_host=node1/0-{cores - 1} end={ended} "
        "Exit_status=0\n"
    )


def write_pbs(path: Path, count: int, users: int = 50, step: int = 37) -> Path:
    """A PBS accounting log of the same jobs as ``write_sacct`` writes."""
    with open(path, "w") as out:
        for n, user, start, end, cores in _march_jobs(count, users, step):
            out.write(pbs_line(str(1000 + n), user, start, end, cores))
    return path
