"""The database's day rebuild (``job_days.rebuild_days``) counts exactly what splitting each job
by calendar day counts: crossing jobs by exact overlap, jobs that took no time on the day they
ended, a job ending at midnight on its first day only, days of 23 and 25 hours."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest

from cloudaccountant.importing.days import day_bounds, days, local_date, split_seconds
from cloudaccountant.importing.jobs import JobImporter
from cloudaccountant.importing.records import JobRecord
from tests.cloudaccountant.helpers import daily_jobs


def _jobs(seed: int, first: dt.datetime) -> list[JobRecord]:
    rng = random.Random(seed)
    records = []
    for n in range(400):
        start = first + dt.timedelta(seconds=rng.randrange(6 * 86400))
        # Short jobs, day-crossing jobs, jobs of no time; some start or end on a midnight.
        length = rng.choice((0, 30, 3600, 20 * 3600, 50 * 3600, rng.randrange(4 * 86400)))
        if n % 17 == 0:
            start = start.replace(hour=23, minute=0, second=0)  # UTC; ends on a midnight below
            length = 3600
        if n % 23 == 0:
            start, length = start.replace(hour=0, minute=0, second=0), 0  # on a midnight (UTC)
        records.append(
            JobRecord(
                cluster="hpc",
                job_id=str(n),
                array_index=-1,
                submitted_at=start,
                started_at=start,
                ended_at=start + dt.timedelta(seconds=length),
                system_username=f"u{n % 3}",
                account="",
                queue=rng.choice(("a", "b")),
                name="",
                cores=rng.choice((1, 2, 16)),
                nodes=1,
                gpus=0,
                state="COMPLETED",
            )
        )
    return records


def _expected(records, first: dt.date, last: dt.date, tz) -> dict:
    """Each job split by calendar day in Python: the days' definition, written out."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for job in records:
        if job.started_at == job.ended_at:  # no time: counted on the day it ended
            end_day = local_date(job.ended_at, tz)
            start, _ = day_bounds(end_day, tz)
            day = end_day if job.ended_at > start else end_day - dt.timedelta(days=1)
            parts = [(day, 0)]
        else:
            parts = list(split_seconds(job.started_at, job.ended_at, tz))
        for day, seconds in parts:
            if first <= day <= last:
                total = totals[(day.isoformat(), "", job.system_username, job.queue)]
                total[0] += 1
                total[1] += job.cores * seconds
    return {key: tuple(value) for key, value in totals.items()}


@pytest.mark.parametrize(
    ("zone", "first"),
    [
        ("UTC", dt.date(2026, 3, 1)),
        ("Europe/Berlin", dt.date(2026, 3, 27)),  # 29 March has 23 hours
        ("America/New_York", dt.date(2026, 10, 30)),  # 1 November has 25 hours
    ],
)
def test_the_rebuilt_days_equal_each_job_split_by_calendar_day(acct_db, zone, first):
    tz = ZoneInfo(zone)
    records = _jobs(len(zone), dt.datetime.combine(first, dt.time()))
    last = first + dt.timedelta(days=5)
    importer = JobImporter(acct_db, 1, "slurm", tz, {}, 50)
    # Written over the whole span, then the days of the range rebuilt.
    importer.run(iter(records), first - dt.timedelta(days=1), last + dt.timedelta(days=6))
    importer.summarise(first, last)

    got = {k: v for k, v in daily_jobs(acct_db).items() if first.isoformat() <= k[0]}
    got = {k: v for k, v in got.items() if k[0] <= last.isoformat()}
    assert got == _expected(records, first, last, tz)
    assert {k[0] for k in got} == {day.isoformat() for day in days(first, last)}
