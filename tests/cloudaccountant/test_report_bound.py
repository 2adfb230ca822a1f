"""The job report of an old year reads the jobs that ended up to the year's end plus the longest
job of the sources it counts (``job_extents``), not every later job of its users; its figures
stay those of every job that ran in the year.

Times are UTC; the report's zone is America/New_York (EST, UTC-5, in December and January), so
2025 is ``[2025-01-01 05:00, 2026-01-01 05:00)``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from cloudaccountant.access import Scope
from cloudaccountant.importing.jobs import extend_longest
from cloudaccountant.reports.services import ReportQuery, ReportService
from cloudaccountant.usage.models import Job, JobExtent
from tests.cloudaccountant.helpers import ALICE, BOB, CAROL, add_jobs, t

ZONE = ZoneInfo("America/New_York")
LATER = 200  # ALICE's jobs of March 2026 onwards: past any bound of the 2025 report
OWNER = Scope(frozenset({ALICE, BOB}))  # an account owner (ALICE) and the user they manage


def _job(source, job_id, user, start, end, cores, gpus=0):
    cc, kind = source
    return Job(
        cloud_controller_id=cc, resource_type=kind, cluster="hpc", job_id=job_id,
        array_index=-1, submitted_at=t(start), started_at=t(start), ended_at=t(end),
        system_username="u", cloud_auth_userid=user, account="", queue="normal", name="",
        cores=cores, nodes=1, gpus=gpus, state="COMPLETED",
        core_seconds=cores * int((t(end) - t(start)).total_seconds()),
    )  # fmt: skip


SHORT, LONG, OTHER = (2, "slurm"), (2, "sge"), (3, "slurm")


@pytest.fixture
def session(acct_session_factory):
    """Three sources: Slurm and SGE of controller 2, Slurm of controller 3; each source's
    longest job stored as the importer stores it."""
    session = acct_session_factory()
    later = dt.datetime(2026, 3, 1, 10)
    rows = [
        # June: 1 job, 2 cores x 2 h.
        _job(SHORT, "a1", ALICE, "2025-06-10T14:00", "2025-06-10T16:00", 2),
        # 31 December 22:00 EST to 1 January 02:00 EST, 1 GPU: 2 h of it in 2025, ended in 2026.
        _job(SHORT, "a2", ALICE, "2026-01-01T03:00", "2026-01-01T07:00", 1, gpus=1),
        # Started after 2025 ended: none of it counts.
        _job(SHORT, "a3", ALICE, "2026-01-01T06:00", "2026-01-01T07:00", 1),
        # 744 h, the longest job of all (Slurm of controller 2's longest is a2's 4 h): from
        # 20 December 00:00 EST, 12 days = 288 h of it in 2025, ended 20 January 2026.
        _job(LONG, "b1", BOB, "2025-12-20T05:00", "2026-01-20T05:00", 4),
        # March: BOB 1 core x 3 h; CAROL (not the owner's) 8 cores x 1 h.
        _job(OTHER, "c1", BOB, "2025-03-05T15:00", "2025-03-05T18:00", 1),
        _job(OTHER, "c2", CAROL, "2025-03-05T15:00", "2025-03-05T16:00", 8),
        _job(OTHER, "c3", BOB, "2026-05-01T10:00", "2026-05-01T11:00", 1),
    ]
    for n in range(LATER):
        start = later + dt.timedelta(days=n)
        rows.append(_job(SHORT, f"x{n}", ALICE, f"{start:%Y-%m-%dT%H:%M}",
                         f"{start + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}", 1))  # fmt: skip
    add_jobs(session, rows)
    session.flush()
    return session


def _year_2025(session, scope=OWNER, cloud_controller_id=None) -> dict:
    query = ReportQuery(
        family="job", start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31),
        granularity="month", group_by=("controller",), scope=scope,
        cloud_controller_id=cloud_controller_id,
    )  # fmt: skip
    return ReportService(session, None, ZONE).report(query)


def _figures(data) -> dict:
    return {
        (r["period"], r["controller"]): (r["jobs"], r["core_hours"], r["gpu_hours"])
        for r in data["rows"]
    }


def test_an_old_year_counts_the_job_across_its_end_and_another_sources_longer_job(session):
    data = _year_2025(session)
    assert _figures(data) == {
        ("2025-03", 3): (1, 3.0, 0.0),
        ("2025-06", 2): (1, 4.0, 0.0),
        ("2025-12", 2): (0, 2.0 + 288 * 4.0, 2.0),  # a2's 2 h; b1's 288 h x 4 cores
    }
    assert data["totals"] == {"jobs": 2, "core_hours": 1161.0, "gpu_hours": 2.0}
    everyone = _year_2025(session, scope=Scope(None))
    assert _figures(everyone)[("2025-03", 3)] == (2, 11.0, 0.0)
    assert everyone["totals"] == {"jobs": 3, "core_hours": 1169.0, "gpu_hours": 2.0}


def test_one_controllers_report_is_bounded_by_its_own_sources_longest_job(session):
    # Controller 2: the SGE job (744 h) bounds the read, not Slurm's 4 h.
    assert _figures(_year_2025(session, cloud_controller_id=2)) == {
        ("2025-06", 2): (1, 4.0, 0.0),
        ("2025-12", 2): (0, 1154.0, 2.0),
    }
    assert _figures(_year_2025(session, cloud_controller_id=3)) == {("2025-03", 3): (1, 3.0, 0.0)}


def test_a_job_past_the_bound_is_not_read_until_its_source_extent_covers_it(session):
    """A 1-core job from 31 December 07:00 EST to 1 March, stored without raising its source's
    longest job (what the importer never does): it ended after 2025's end plus the longest job
    (744 h: 1 February 05:00), so the report does not read it; once the extent covers it, its
    17 h of 2025 count."""
    planted = _job(SHORT, "p", ALICE, "2025-12-31T12:00", "2026-03-01T00:00", 1)
    session.add(planted)
    session.flush()
    assert _year_2025(session)["totals"]["core_hours"] == 1161.0
    seconds = int((planted.ended_at - planted.started_at).total_seconds())
    extend_longest(session.connection(), *SHORT, seconds)
    data = _year_2025(session)
    assert _figures(data)[("2025-12", 2)] == (0, 1154.0 + 17.0, 2.0)
    assert data["totals"]["core_hours"] == 1161.0 + 17.0


def test_without_any_extent_the_read_is_unbounded_and_the_figures_the_same(session):
    session.execute(sa.delete(JobExtent.__table__))
    assert _year_2025(session)["totals"] == {"jobs": 2, "core_hours": 1161.0, "gpu_hours": 2.0}


def _rows_read(session) -> int:
    status = session.connection().exec_driver_sql("SHOW SESSION STATUS LIKE 'Handler_read%%'")
    return sum(int(value) for _, value in status)


@pytest.mark.mysql
def test_mariadb_reads_none_of_the_later_jobs_index_entries(session):
    """Handler reads of the owner's 2025 report, bounded and (every extent deleted) unbounded:
    fewer than ALICE's later jobs bounded, so it cannot have walked their entries of
    ``ix_jobs_user_ended``, which the unbounded read does."""
    _year_2025(session)  # statistics and caches warm, as for the second measurement
    before = _rows_read(session)
    bounded = _year_2025(session)
    bounded_reads = _rows_read(session) - before
    session.execute(sa.delete(JobExtent.__table__))
    before = _rows_read(session)
    unbounded = _year_2025(session)
    unbounded_reads = _rows_read(session) - before
    assert bounded["rows"] == unbounded["rows"] and bounded["totals"] == unbounded["totals"]
    assert bounded_reads < LATER <= unbounded_reads, (bounded_reads, unbounded_reads)
