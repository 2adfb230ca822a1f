"""Slurm: sacct output parsed and imported; awkward cases from real sacct -P output."""

from __future__ import annotations

import datetime as dt
import sys
import time

import pytest

from cloudaccountant.importing.jobs import JobImporter
from cloudaccountant.importing.records import Rejected
from cloudaccountant.importing.slurm import SacctParser, sacct_argv
from tests.cloudaccountant.conftest import table_dump
from tests.cloudaccountant.helpers import (
    ALICE,
    BOB,
    CAROL,
    SAMPLES,
    UTC,
    d,
    daily_jobs,
    jobs,
    write_sacct,
)

USERS = {"alice": ALICE, "bob": BOB, "carol": CAROL}


def _parse():
    parser = SacctParser("sacct.txt")
    with open(SAMPLES / "sacct.txt", "rb") as lines:
        items = list(parser.parse(lines))
    return parser, items


def _import(engine, batch_size=5000):
    importer = JobImporter(engine, 1, "slurm", UTC, USERS, batch_size)
    with open(SAMPLES / "sacct.txt", "rb") as lines:
        return importer.run(SacctParser("sacct.txt").parse(lines), d("2026-03-01"), d("2026-04-01"))


def test_sacct_command_asks_for_every_user_allocations_duplicates_parsable():
    argv = sacct_argv("sacct", dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 2), "hpc")
    assert argv[:5] == ["sacct", "--allusers", "--allocations", "--duplicates", "--parsable2"]
    assert argv[5].startswith("--format=JobID,") and argv[5].endswith(",JobName")
    assert "--starttime=2026-03-01T00:00:00" in argv
    assert "--endtime=2026-03-02T00:00:00" in argv
    assert argv[-1] == "--clusters=hpc"


def test_steps_pending_tasks_running_and_never_started_jobs_are_skipped():
    parser, items = _parse()
    records = [i for i in items if not isinstance(i, Rejected)]
    ids = [(r.job_id, r.array_index) for r in records]
    assert ("100", -1) in ids and ("102", 1) in ids and ("102", 2) in ids
    assert not any(job in ("107", "112") for job, _ in ids)  # running / never ran
    assert parser.skipped == 5  # 100.batch, 100.extern, 102_[3-5,7], 107, 112


def test_awkward_fields_are_read_faithfully():
    _, items = _parse()
    by_id = {(i.job_id, i.array_index): i for i in items if not isinstance(i, Rejected)}
    assert by_id[("105", -1)].name == "pipe|in|name"
    assert by_id[("105", -1)].state == "CANCELLED"  # "CANCELLED by 1001"
    assert by_id[("106", -1)].system_username == "jürgen"
    assert by_id[("106", -1)].name == "расчёт ジョブ"
    assert by_id[("101", -1)].gpus == 2  # gres/gpu=2, not also the typed gres/gpu:a100=2
    assert by_id[("101", -1)].nodes == 2
    assert ("115+0", -1) in by_id and ("115+1", -1) in by_id  # heterogeneous job components


def test_bad_lines_are_reported_with_file_line_and_reason():
    _, items = _parse()
    rejected = [str(i) for i in items if isinstance(i, Rejected)]
    assert rejected == [
        "sacct.txt:19: Submit 'yesterday' is not a time",
        "sacct.txt:20: 6 fields, expected 14",
        "sacct.txt:21: JobID 'NOTANID' is not a Slurm job id",
        "sacct.txt:24: not UTF-8",
    ]


def test_core_hours_are_cores_times_seconds_split_by_calendar_day(acct_db):
    result = _import(acct_db)
    assert result.rejected_count == 4
    assert result.outside == 1  # job 111 ended before the range
    assert daily_jobs(acct_db) == {
        ("2026-02-28", CAROL, "carol", "normal"): (1, 3600),  # 109 from Feb 28 23:00
        ("2026-03-01", CAROL, "carol", "normal"): (1, 3600),  # ... to Mar 1 01:00
        ("2026-03-01", ALICE, "alice", "normal"): (3, 4 * 7200 + 2 * 1800 + 2 * 3600),
        ("2026-03-01", BOB, "bob", "gpu"): (1, 8 * 5400),  # 101: 22:30 to midnight
        ("2026-03-02", BOB, "bob", "gpu"): (1, 8 * 5400),  # ... and on to 01:30
        ("2026-03-03", CAROL, "carol", "normal"): (1, 600),
        ("2026-03-03", "", "jürgen", "normal"): (1, 2 * 3600),  # unmapped: kept by name
        ("2026-03-04", BOB, "bob", "normal"): (2, 4 * 1800 + 4 * 3600),  # both runs of 108
        ("2026-03-05", "", "dave", "normal"): (2, 3600 + 2 * 3600),
        ("2026-03-31", CAROL, "carol", "normal"): (1, 2 * 1800),  # 110 across the month end
        ("2026-04-01", CAROL, "carol", "normal"): (1, 2 * 1800),
    }


def test_requeued_runs_stay_distinct_and_duplicate_lines_do_not(acct_db):
    _import(acct_db)
    rows = jobs(acct_db)
    assert len([r for r in rows if r["job_id"] == "108"]) == 2
    assert len([r for r in rows if r["job_id"] == "100"]) == 1
    assert len(rows) == 12
    assert sum(r["core_seconds"] for r in rows) == sum(v[1] for v in daily_jobs(acct_db).values())


def test_importing_twice_leaves_identical_tables(acct_db):
    _import(acct_db)
    once = table_dump(acct_db)
    _import(acct_db, batch_size=3)
    assert table_dump(acct_db) == once


def test_a_later_mapping_moves_the_usage_instead_of_copying_it(acct_db):
    importer = JobImporter(acct_db, 1, "slurm", UTC, {}, 5000)
    with open(SAMPLES / "sacct.txt", "rb") as lines:
        importer.run(SacctParser("s").parse(lines), d("2026-03-01"), d("2026-04-01"))
    assert ("2026-03-04", "", "bob", "normal") in daily_jobs(acct_db)
    _import(acct_db)
    summary = daily_jobs(acct_db)
    assert ("2026-03-04", "", "bob", "normal") not in summary
    assert summary[("2026-03-04", BOB, "bob", "normal")] == (2, 21600)


def test_jobs_ending_outside_the_range_wait_for_their_own_import(acct_db):
    importer = JobImporter(acct_db, 1, "slurm", UTC, USERS, 5000)
    with open(SAMPLES / "sacct.txt", "rb") as lines:
        result = importer.run(SacctParser("s").parse(lines), d("2026-03-02"), d("2026-03-02"))
    assert [r["job_id"] for r in jobs(acct_db)] == ["101"]
    assert result.summary_days == (d("2026-03-01"), d("2026-03-02"))


def test_quotes_backslashes_and_utf8_are_stored_as_they_were_written(acct_db, tmp_path):
    sacct = tmp_path / "sacct.txt"
    name = 'it\'s a \\"test\\"; DROP TABLE jobs; -- ü\\n'
    sacct.write_text(
        "JobID|JobIDRaw|Cluster|User|Account|Partition|Submit|Start|End|AllocCPUS|NNodes|"
        "AllocTRES|State|JobName\n"
        "7|7|hpc|o'brien|ac\\ct|q'1|2026-03-01T00:00:00|2026-03-01T01:00:00|"
        f"2026-03-01T02:00:00|2|1|cpu=2|COMPLETED|{name}\n",
        encoding="utf-8",
    )
    importer = JobImporter(acct_db, 1, "slurm", UTC, {"o'brien": ALICE})
    with open(sacct, "rb") as lines:
        result = importer.run(SacctParser("s").parse(lines), d("2026-03-01"), d("2026-03-01"))
    assert result.imported == 1
    (row,) = jobs(acct_db)
    assert (row["name"], row["system_username"], row["account"], row["queue"]) == (
        name,
        "o'brien",
        "ac\\ct",
        "q'1",
    )
    assert row["cloud_auth_userid"] == ALICE and row["core_seconds"] == 7200
    assert daily_jobs(acct_db) == {("2026-03-01", ALICE, "o'brien", "q'1"): (1, 7200)}


class SlowSortingImporter(JobImporter):
    """Sorts each batch slowly before writing it, as a loaded host may: CPython's ``list.sort``
    shows the list as empty while it sorts, and the reader thread goes on meanwhile."""

    def _write(self, batch, *rest):
        first = [True]

        def slow_key(item):
            if first[0]:
                first[0] = False
                time.sleep(0.05)  # inside the sort: the reader runs now
            return item[0]

        batch.sort(key=slow_key)
        return super()._write(batch, *rest)


def test_the_count_is_the_rows_written_while_the_writer_sorts(acct_db, tmp_path):
    """Issue 16, item 6: ``import_slurm`` reported 380000 of 400000 written jobs: the count was
    read from a batch the writer thread was sorting."""
    sacct = write_sacct(tmp_path / "sacct.txt", 20)
    importer = SlowSortingImporter(acct_db, 1, "slurm", UTC, {}, batch_size=3)
    with open(sacct, "rb") as lines:
        result = importer.run(
            SacctParser("sacct.txt").parse(lines), d("2026-03-01"), d("2026-04-01")
        )
    assert len(jobs(acct_db)) == 20
    assert result.imported == 20


class IntervalRecordingImporter(JobImporter):
    """Notes the GIL switch interval each batch is written under; fails the second batch if
    asked to."""

    def __init__(self, *args, fail_at: int = 0, **kw):
        super().__init__(*args, **kw)
        self.intervals: list[float] = []
        self.fail_at = fail_at

    def _write(self, batch, *rest):
        self.intervals.append(sys.getswitchinterval())
        if len(self.intervals) == self.fail_at:
            raise RuntimeError("the database went away")
        return super()._write(batch, *rest)


def test_the_writer_gets_the_gil_back_promptly_while_the_parser_runs(acct_db, tmp_path):
    """The writer thread waits on the database in system calls and needs the GIL after each
    one; at Python's default 5 ms handoff it fell behind the parser and the database idled
    (the jobs phase ran at 0.54x LOAD DATA). During the import the handoff is 0.1 ms; after
    it, whatever it was before."""
    sacct = write_sacct(tmp_path / "sacct.txt", 20)
    before = sys.getswitchinterval()
    importer = IntervalRecordingImporter(acct_db, 1, "slurm", UTC, {}, batch_size=6)
    with open(sacct, "rb") as lines:
        importer.run(SacctParser("sacct.txt").parse(lines), d("2026-03-01"), d("2026-04-01"))
    assert len(importer.intervals) == 4
    assert max(importer.intervals[:-1]) <= 1e-4  # the batches written beside the parser
    assert sys.getswitchinterval() == before
    assert len(jobs(acct_db)) == 20


def test_a_failing_writer_leaves_the_switch_interval_as_it_was(acct_db, tmp_path):
    sacct = write_sacct(tmp_path / "sacct.txt", 20)
    before = sys.getswitchinterval()
    importer = IntervalRecordingImporter(acct_db, 1, "slurm", UTC, {}, batch_size=6, fail_at=2)
    with open(sacct, "rb") as lines, pytest.raises(RuntimeError, match="went away"):
        importer.run(SacctParser("sacct.txt").parse(lines), d("2026-03-01"), d("2026-04-01"))
    assert sys.getswitchinterval() == before


def test_overlapping_imports_put_the_switch_interval_back_when_the_last_ends():
    """Two imports on threads of one process: the one that ends first must not put Python's
    5 ms back under the other, nor the other a 0.1 ms it found instead of the original."""
    from cloudaccountant.importing.jobs import _prompt_handoff

    before = sys.getswitchinterval()
    first, second = _prompt_handoff(), _prompt_handoff()
    first.__enter__()
    second.__enter__()
    assert sys.getswitchinterval() <= 1e-4
    first.__exit__(None, None, None)
    assert sys.getswitchinterval() <= 1e-4  # the second import still runs
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == before
