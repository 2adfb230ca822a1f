"""Import runs (issue 13 item 3): each import_* run leaves one row (source, range, times, lines
read, rows written, lines rejected, exit status); the superuser reads them over the API; a
report names the runs behind its figures."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import webtest

from cloudaccountant import main
from cloudaccountant.importing.runs import ImportRun
from cloudaccountant.scripts import import_slurm, import_usage
from tests.cloudaccountant import controller_db as contract
from tests.cloudaccountant import test_reports
from tests.cloudaccountant.helpers import SAMPLES, write_ini

live = test_reports.live  # the same live Cloud Auth fixture

SACCT = (
    "JobID|User|Submit|Start|End|NCPUS|Partition\n"
    "11|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T12:00:00|2|normal\n"
    "12|alice|2026-03-01T09:00:00|2026-03-01T10:00:00\n"
    "13.batch|alice|2026-03-01T09:00:00|2026-03-01T10:00:00|2026-03-01T12:00:00|2|normal\n"
)


@pytest.fixture
def runs(acct_db):
    table = ImportRun.__table__
    with acct_db.begin() as conn:
        conn.execute(sa.delete(table))
    yield lambda: [dict(r) for r in _rows(acct_db)]
    with acct_db.begin() as conn:
        conn.execute(sa.delete(table))


def _rows(engine):
    table = ImportRun.__table__
    with engine.connect() as conn:
        return conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()


def _ini(tmp_path, url, **extra):
    settings = {"sqlalchemy.accountant.url": url, "cloudauth.url": "http://127.0.0.1:9"}
    return str(write_ini(tmp_path / "acct.ini", {**settings, **extra}))


def test_a_slurm_run_leaves_one_row_with_its_counts(runs, acct_db_url, tmp_path):
    saved = tmp_path / "sacct.txt"
    saved.write_text(SACCT)
    ini = _ini(tmp_path, acct_db_url, **{"sqlalchemy.cloud.1.slurm.server": "local"})
    argv = [ini, "2026-03-01", "2026-03-01", "--controller", "1", "--sacct-output", str(saved)]
    assert import_slurm.main(argv) == 1  # a rejected line
    (run,) = runs()
    assert run["source"] == "slurm" and run["controllers"] == "1"
    assert (str(run["first_date"]), str(run["last_date"])) == ("2026-03-01", "2026-03-01")
    assert (run["lines_read"], run["rows_written"], run["lines_rejected"]) == (3, 1, 1)
    assert run["exit_status"] == 1 and run["started_at"] <= run["finished_at"]


def test_a_header_less_file_is_a_run_that_wrote_nothing(runs, acct_db_url, tmp_path):
    saved = tmp_path / "sacct.txt"
    saved.write_text(SACCT.split("\n", 1)[1])
    ini = _ini(tmp_path, acct_db_url, **{"sqlalchemy.cloud.1.slurm.server": "local"})
    argv = [ini, "2026-03-01", "2026-03-01", "--controller", "1", "--sacct-output", str(saved)]
    assert import_slurm.main(argv) == 1
    (run,) = runs()
    assert (run["rows_written"], run["lines_rejected"], run["exit_status"]) == (0, 1, 1)


def test_an_import_usage_run_counts_the_rows_it_wrote(runs, acct_db_url, tmp_path, controller_db):
    with controller_db.begin() as conn:
        conn.execute(
            contract.power_intervals.insert(),
            {
                "instance_id": "i1",
                "cloudauth_id": "a" * 32,
                "flavor_id": "m1",
                "started_at": dt.datetime(2026, 3, 1, 10),
                "ended_at": dt.datetime(2026, 3, 1, 11),
            },
        )
    url = str(controller_db.url.render_as_string(False))
    ini = _ini(tmp_path, acct_db_url, **{"sqlalchemy.cloud.1.instances.url": url})
    assert import_usage.main([ini, "2026-03-01", "2026-03-02"]) == 0
    (run,) = runs()
    assert run["source"] == "usage" and run["lines_read"] is None
    assert run["rows_written"] == 1 and run["exit_status"] == 0


@pytest.fixture
def app(live, acct_db_url, acct_db):
    wsgi = main(
        {},
        **{
            "sqlalchemy.accountant.url": acct_db_url,
            "cloudauth.url": live.url,
            "sqlalchemy.cloud.1.slurm.server": "local",
            **live.cache_settings,
        },
    )
    return webtest.TestApp(wsgi)


def test_the_superuser_reads_the_runs_and_a_report_names_its_own(
    app,
    live,
    runs,
    acct_db_url,
    tmp_path,
):
    saved = tmp_path / "sacct.txt"
    saved.write_text(SACCT)
    ini = _ini(tmp_path, acct_db_url, **{"sqlalchemy.cloud.1.slurm.server": "local"})
    argv = [ini, "2026-03-01", "2026-03-01", "--controller", "1", "--sacct-output", str(saved)]
    import_slurm.main(argv)
    import_slurm.main([ini, "2026-04-01", "2026-04-01", "--controller", "1",
                       "--sacct-output", str(SAMPLES / "sacct.txt")])  # fmt: skip
    listed = app.get("/import-runs", headers=live.headers["admin"]).json["data"]["runs"]
    assert [r["first_date"] for r in listed] == ["2026-04-01", "2026-03-01"]  # newest first
    assert listed[1]["lines_rejected"] == 1 and listed[1]["exit_status"] == 1
    only_march = app.get(
        "/import-runs", {"start_date": "2026-03-01", "end_date": "2026-03-31"},
        headers=live.headers["admin"],
    ).json["data"]["runs"]  # fmt: skip
    assert [r["id"] for r in only_march] == [listed[1]["id"]]
    body = app.get("/import-runs", headers=live.headers["plain"], status=403).json
    assert body["msg"] == "only the superuser and cloudaccountant_admin read import runs"
    app.get("/import-runs", {"source": "nfs"}, headers=live.headers["admin"], status=400)
    report = app.get(
        "/report/job", {"start_date": "2026-03-01", "end_date": "2026-03-01"},
        headers=live.headers["plain"],
    ).json["data"]  # fmt: skip
    assert [r["id"] for r in report["provenance"]] == [listed[1]["id"]]
    assert report["as_of"] == listed[1]["finished_at"]
    storage = app.get(
        "/report/storage", {"start_date": "2026-03-01", "end_date": "2026-03-01"},
        headers=live.headers["plain"],
    ).json["data"]  # fmt: skip
    assert storage["provenance"] == [] and storage["as_of"] is None
