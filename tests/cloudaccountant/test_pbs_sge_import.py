"""PBS/Torque accounting logs, SGE and UGE accounting files: real-format samples."""

from __future__ import annotations

from cloudaccountant.importing.jobs import JobImporter
from cloudaccountant.importing.pbs import PbsParser, exec_host_slots
from cloudaccountant.importing.records import Rejected
from cloudaccountant.importing.sge import SgeParser
from tests.cloudaccountant.conftest import table_dump
from tests.cloudaccountant.helpers import ALICE, BOB, CAROL, SAMPLES, UTC, d, daily_jobs, jobs

USERS = {"alice": ALICE, "bob": BOB, "carol": CAROL}


def _items(parser, name):
    with open(SAMPLES / name, "rb") as lines:
        return list(parser.parse(lines))


def _import(engine, kind, parser, name, first="2026-03-01", last="2026-03-02"):
    importer = JobImporter(engine, 1, kind, UTC, USERS, 2)
    with open(SAMPLES / name, "rb") as lines:
        return importer.run(parser.parse(lines), d(first), d(last))


def test_exec_host_forms_give_cores_and_nodes():
    assert exec_host_slots("node1/0+node1/1+node2/0") == (3, 2)
    assert exec_host_slots("node1/0-3+node2/0-3") == (8, 2)  # Torque 6 ranges
    assert exec_host_slots("node3/0,2,4-5") == (4, 1)
    assert exec_host_slots("node4/0*4+node5/0*4") == (8, 2)  # PBS Pro


def test_pbs_end_records_are_jobs_and_bad_lines_are_reported():
    parser = PbsParser("pbs_20260301")
    items = _items(parser, "pbs_20260301")
    assert [str(i) for i in items if isinstance(i, Rejected)] == [
        "pbs_20260301:9: no exec_vnode, exec_host, resources_used.ncpus, Resource_List.ncpus or "
        "Resource_List.nodes for cores",
        "pbs_20260301:10: start 'abc' is not a UNIX time",
        "pbs_20260301:11: not a PBS accounting record",
    ]
    records = {(r.job_id, r.array_index): r for r in items if not isinstance(r, Rejected)}
    assert sorted(records) == [("200", -1), ("201", -1), ("202", 3), ("204", -1), ("207", -1)]
    assert parser.skipped == 4  # Q, S, D and the array parent 202[]
    assert (records[("200", -1)].cores, records[("200", -1)].nodes) == (8, 2)
    assert (records[("201", -1)].cores, records[("201", -1)].gpus) == (4, 2)
    assert (records[("202", 3)].cores, records[("202", 3)].gpus) == (4, 1)
    assert records[("204", -1)].name == "my job"
    assert records[("207", -1)].state == "ABORTED"
    assert records[("200", -1)].cluster == "pbsserver"


def test_pbs_core_hours(acct_db):
    result = _import(acct_db, "pbs", PbsParser("pbs"), "pbs_20260301")
    assert result.rejected_count == 3
    assert daily_jobs(acct_db) == {
        ("2026-03-01", ALICE, "alice", "batch"): (1, 8 * 7200),
        ("2026-03-01", ALICE, "alice", "array"): (1, 4 * 1800),
        ("2026-03-01", BOB, "bob", "batch"): (1, 4 * 3600),
        ("2026-03-02", BOB, "bob", "batch"): (1, 4 * 3600),
        ("2026-03-01", CAROL, "carol", "long"): (1, 2 * 3600),
        ("2026-03-01", "", "dave", "batch"): (1, 2 * 3600),
    }


def test_sge_master_records_carry_the_slots_and_reruns_stay_distinct(acct_db):
    parser = SgeParser("accounting", cluster="default")
    items = _items(parser, "sge_accounting")
    assert [str(i) for i in items if isinstance(i, Rejected)] == [
        "accounting:11: 6 fields, expected at least 42",
        "accounting:12: slots 'x' is not a whole number",
    ]
    assert parser.skipped == 3  # two PE task records, one job that never ran
    _import(acct_db, "sge", SgeParser("accounting"), "sge_accounting")
    assert daily_jobs(acct_db) == {
        ("2026-03-01", ALICE, "alice", "all.q"): (2, 3600 + 2 * 1800),
        ("2026-03-01", BOB, "bob", "all.q"): (1, 8 * 7200),  # PE master: 8 slots
        ("2026-03-02", BOB, "bob", "all.q"): (1, 8 * 7200),
        ("2026-03-01", CAROL, "carol", "all.q"): (2, 600 + 3600),  # rescheduled: two runs
    }
    array = [j for j in jobs(acct_db) if j["job_id"] == "302"]
    assert [(j["array_index"], j["state"]) for j in array] == [(3, "EXITED")]


def test_uge_millisecond_times(acct_db):
    _import(acct_db, "uge", SgeParser("uge"), "uge_accounting")
    assert daily_jobs(acct_db) == {
        ("2026-03-01", ALICE, "alice", "all.q"): (1, 3600),
        ("2026-03-01", BOB, "bob", "all.q"): (1, 4 * 1800),
        ("2026-03-02", BOB, "bob", "all.q"): (1, 4 * 1800),
    }


def test_every_format_reimports_to_identical_tables(acct_db):
    for kind, parser, name in (
        ("pbs", PbsParser, "pbs_20260301"),
        ("sge", SgeParser, "sge_accounting"),
        ("uge", SgeParser, "uge_accounting"),
    ):
        _import(acct_db, kind, parser(name), name)
    once = table_dump(acct_db)
    for kind, parser, name in (
        ("uge", SgeParser, "uge_accounting"),
        ("pbs", PbsParser, "pbs_20260301"),
        ("sge", SgeParser, "sge_accounting"),
    ):
        _import(acct_db, kind, parser(name), name)
    assert table_dump(acct_db) == once
