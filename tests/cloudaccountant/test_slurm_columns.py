"""Slurm input per issue 13: any set and order of columns with their header, the documented
aliases (NCPUS for AllocCPUS, JobIDRaw for JobID), extra columns ignored; jobs that never ran
on a node skipped with their reason; a header-less or column-short file reported as
``file:line: reason`` with nothing written for the bad lines."""

from __future__ import annotations

import datetime as dt

from cloudaccountant.importing.jobs import JobImporter
from cloudaccountant.importing.records import JobRecord, Rejected
from cloudaccountant.importing.slurm import SacctParser, sacct_argv
from cloudaccountant.scripts import import_slurm
from tests.cloudaccountant.helpers import ALICE, UTC, d, jobs, write_ini


def _parse(text: str):
    parser = SacctParser("saved.txt", cluster="hpc")
    items = list(parser.parse(line.encode() + b"\n" for line in text.strip().splitlines()))
    return (
        parser,
        [i for i in items if isinstance(i, JobRecord)],
        [str(i) for i in items if isinstance(i, Rejected)],
    )


def test_any_order_of_columns_with_aliases_and_extra_columns():
    parser, records, rejected = _parse(
        """
Elapsed|End|NCPUS|User|Start|Submit|JobIDRaw|Partition|Comment
01:00:00|2026-03-01T11:00:00|4|alice|2026-03-01T10:00:00|2026-03-01T09:59:00|501|normal|x
"""
    )
    assert rejected == [] and parser.skipped == 0
    (job,) = records
    assert (job.job_id, job.array_index, job.cores, job.queue) == ("501", -1, 4, "normal")
    assert job.cluster == "hpc" and job.state == "COMPLETED" and job.nodes == 1
    assert job.core_seconds == 4 * 3600


def test_jobs_never_run_on_a_node_are_skipped_and_counted_with_their_reason():
    parser, records, rejected = _parse(
        """
JobID|User|Submit|Start|End|AllocCPUS|State|NodeList
601|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T10:00:00|4|CANCELLED by 0|None assigned
602|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T10:30:00|2|COMPLETED|n[1-2]
603.batch|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T10:30:00|2|COMPLETED|n1
"""
    )
    assert rejected == [] and [r.job_id for r in records] == ["602"]
    assert parser.skipped == 2
    assert dict(parser.skip_reasons) == {"never ran on a node": 1, "job step": 1}


def test_a_header_less_file_is_one_line_naming_what_is_missing():
    _, records, rejected = _parse(
        """
701|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T10:30:00|2|COMPLETED
"""
    )
    assert records == []
    assert rejected == [
        "saved.txt:1: not a sacct -P header: no JobID (or JobIDRaw), User, Submit, Start, End, "
        "AllocCPUS (or NCPUS)"
    ]


def test_a_column_short_line_is_rejected_and_the_others_imported():
    _, records, rejected = _parse(
        """
JobID|User|Submit|Start|End|NCPUS
801|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T10:30:00|2
802|alice|2026-03-01T09:00:00
"""
    )
    assert [r.job_id for r in records] == ["801"]
    assert rejected == ["saved.txt:3: 3 fields, expected 6"]


def test_sacct_is_asked_for_the_node_list_and_the_name_stays_last():
    argv = sacct_argv("sacct", dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 2))
    assert ",NodeList,JobName" in argv[5]


def test_the_script_writes_nothing_from_a_header_less_file(acct_db, acct_db_url, tmp_path, capsys):
    saved = tmp_path / "saved.txt"
    saved.write_text("901|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T10:30:00|2\n")
    ini = write_ini(tmp_path / "a.ini", {
        "sqlalchemy.accountant.url": acct_db_url, "cloudauth.url": "http://127.0.0.1:9",
        "sqlalchemy.cloud.1.slurm.server": "local",
    })  # fmt: skip
    status = import_slurm.main(
        [str(ini), "2026-03-01", "2026-03-01", "--controller", "1", "--sacct-output", str(saved)]
    )
    assert status == 1
    err = capsys.readouterr().err
    assert f"{saved}:1: not a sacct -P header" in err
    assert jobs(acct_db) == []


def test_skipped_jobs_are_not_jobs_of_the_day(acct_db):
    _, records, _ = _parse(
        """
JobID|User|Submit|Start|End|AllocCPUS|State|NodeList
601|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T10:00:00|4|CANCELLED by 0|None assigned
602|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T10:30:00|2|COMPLETED|n1
"""
    )
    importer = JobImporter(acct_db, 1, "slurm", UTC, {"alice": ALICE}, 100)
    importer.run(iter(records), d("2026-03-01"), d("2026-03-01"))
    assert [j["job_id"] for j in jobs(acct_db)] == ["602"]


def test_the_script_counts_skipped_lines_by_reason(acct_db, acct_db_url, tmp_path, capsys):
    saved = tmp_path / "saved.txt"
    saved.write_text(
        "JobID|User|Submit|Start|End|AllocCPUS|State|NodeList\n"
        "601|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T10:00:00|4|CANCELLED|"
        "None assigned\n"
        "602|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T10:30:00|2|COMPLETED|n1\n"
    )
    ini = write_ini(tmp_path / "a.ini", {
        "sqlalchemy.accountant.url": acct_db_url, "cloudauth.url": "http://127.0.0.1:9",
        "sqlalchemy.cloud.1.slurm.server": "local",
    })  # fmt: skip
    argv = [str(ini), "2026-03-01", "2026-03-01", "--controller", "1", "--sacct-output"]
    assert import_slurm.main([*argv, str(saved)]) == 0
    out = capsys.readouterr().out
    assert "1 jobs imported, 0 lines rejected, 1 skipped (1 never ran on a node)" in out
    assert [j["job_id"] for j in jobs(acct_db)] == ["602"]
