"""Jobs written by ``LOAD DATA LOCAL INFILE`` on MariaDB: the same rows as the multi-row upsert,
re-imports and partly re-imported batches included, any text loaded exactly.

The bulk load needs MariaDB (``SCM_TEST_MYSQL_URL``; CI's MariaDB tier): on the embedded
default these tests check only that the importer does not try it.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cloudaccountant.importing.jobs import JobImporter, bulk_load_available
from cloudaccountant.importing.records import JobRecord
from cloudaccountant.importing.slurm import SacctParser
from cloudaccountant.scripts import import_slurm
from cloudaccountant.scripts._jobs import _bulk_load_url
from common.db import make_engine
from tests.cloudaccountant.conftest import empty_usage_tables, table_dump
from tests.cloudaccountant.helpers import UTC, d, jobs, write_ini, write_sacct


@pytest.fixture
def load_engine(acct_db, acct_db_url):
    """The accountant's database as the import scripts open it (LOCAL INFILE on)."""
    engine = make_engine({"sqlalchemy.url": _bulk_load_url(acct_db_url)})
    yield engine
    engine.dispose()


def _mariadb(engine) -> None:
    # marker mysql: these run only in the MariaDB tier (tests/conftest.py deselects them elsewhere)
    assert engine.dialect.name == "mysql"


def _import(engine, path, batch_size, first="2026-03-01", last="2026-03-31") -> JobImporter:
    importer = JobImporter(engine, 1, "slurm", UTC, {"user1": "1" * 32}, batch_size)
    with open(path, "rb") as lines:
        result = importer.run(SacctParser(str(path)).parse(lines), d(first), d(last))
    assert result.rejected_count == 0
    return importer


def test_the_scripts_engine_loads_in_bulk_only_on_mariadb(load_engine, acct_db_url):
    if load_engine.dialect.name == "mysql":
        assert sa.engine.make_url(_bulk_load_url(acct_db_url)).query["local_infile"] == "1"
        assert bulk_load_available(load_engine)  # the server's local_infile is ON (checked)
    else:
        assert _bulk_load_url(acct_db_url) == acct_db_url
        assert not bulk_load_available(load_engine)
        assert not JobImporter(load_engine, 1, "slurm", UTC)._load


@pytest.mark.mysql
def test_bulk_load_equals_the_upsert_and_reimports_change_nothing(load_engine, acct_db, tmp_path):
    _mariadb(load_engine)
    sacct = write_sacct(tmp_path / "sacct.txt", 3000)
    _import(acct_db, sacct, 400)  # the multi-row upsert (no LOCAL INFILE on this engine)
    upserted = table_dump(acct_db)
    empty_usage_tables(acct_db)

    fresh = _import(load_engine, sacct, 400)
    assert fresh._load and not fresh._staging  # every batch went in by LOAD DATA alone
    assert table_dump(load_engine) == upserted
    again = _import(load_engine, sacct, 400)
    assert again._staging  # rows already there: through the staging table
    first = next(SacctParser("x").parse(sacct.read_bytes().splitlines(keepends=True)))
    with load_engine.connect() as conn:
        assert again._stored(conn, first)  # so even the first batch skipped LOAD DATA IGNORE
        first.started_at += dt.timedelta(seconds=1)  # another run of the job: not stored
        assert not again._stored(conn, first)
    assert table_dump(load_engine) == upserted


@pytest.mark.mysql
def test_a_partly_stored_batch_is_brought_up_to_date(load_engine, tmp_path):
    _mariadb(load_engine)
    sacct = write_sacct(tmp_path / "sacct.txt", 1000)
    lines = sacct.read_text().splitlines(keepends=True)
    half = tmp_path / "half.txt"
    half.write_text("".join(lines[:1] + lines[1::2]))  # the header and every other job
    _import(load_engine, half, 10_000)
    # The same jobs with another state and name: the stored half must be updated, not kept.
    changed = tmp_path / "changed.txt"
    changed.write_text(
        "".join(lines[:1] + [x.replace("|COMPLETED|job ", "|FAILED|again ") for x in lines[1:]])
    )
    importer = _import(load_engine, changed, 10_000)
    assert importer._staging
    stored = jobs(load_engine)
    assert len(stored) == 1000
    assert {j["state"] for j in stored} == {"FAILED"}
    assert all(j["name"].startswith("again ") for j in stored)


@pytest.mark.mysql
def test_any_text_is_loaded_exactly(load_engine):
    _mariadb(load_engine)
    tricky = ["tab\there", "new\nline", "back\\slash", "\\N", "cr\r", "ジョブ 🚀", "'quote\"", ""]
    start = dt.datetime(2026, 3, 1, 10)
    records = [
        JobRecord(
            cluster="hpc",
            job_id=str(100 + n),
            array_index=-1,
            submitted_at=start,
            started_at=start,
            ended_at=start + dt.timedelta(seconds=60),
            system_username=f"u\t{n}",
            account=text[:64],
            queue="q\\",
            name=text,
            cores=2,
            nodes=1,
            gpus=0,
            state="COMPLETED",
        )
        for n, text in enumerate(tricky)
    ]
    importer = JobImporter(load_engine, 1, "slurm", UTC, {}, 100)
    assert importer.run(iter(records), d("2026-03-01"), d("2026-03-01")).imported == len(tricky)
    stored = {j["job_id"]: j for j in jobs(load_engine)}
    for n, text in enumerate(tricky):
        row = stored[str(100 + n)]
        assert (row["name"], row["account"], row["queue"]) == (text, text, "q\\")
        assert row["system_username"] == f"u\t{n}"
        assert row["core_seconds"] == 120


@pytest.mark.mysql
@pytest.mark.parametrize("bulk_load", ["true", "false"])
def test_import_bulk_load_chooses_the_path(
    load_engine, acct_db_url, tmp_path, monkeypatch, bulk_load
):
    _mariadb(load_engine)
    loaded = []
    real = JobImporter._load_batch

    def spy(self, conn, batch, *rest):
        loaded.append(len(batch))
        return real(self, conn, batch, *rest)

    monkeypatch.setattr(JobImporter, "_load_batch", spy)
    ini = write_ini(
        tmp_path / "acct.ini",
        {
            "sqlalchemy.accountant.url": acct_db_url,
            "cloudauth.url": "http://127.0.0.1:9",
            "sqlalchemy.cloud.1.slurm.server": "local",
            "import.bulk_load": bulk_load,
        },
    )
    sacct = write_sacct(tmp_path / "sacct.txt", 50)
    argv = [str(ini), "2026-03-01", "2026-03-31", "--controller", "1", "--sacct-output", str(sacct)]
    assert import_slurm.main(argv) == 0
    assert len(jobs(load_engine)) == 50
    assert loaded == ([50] if bulk_load == "true" else [])


def _next_id(engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT AUTO_INCREMENT FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'jobs'"
        ).scalar()


@pytest.mark.mysql
def test_a_reimport_of_unchanged_runs_writes_none_of_them(load_engine, tmp_path):
    """Stored runs read again as they are leave the staging table before the upsert: no row is
    inserted and undone (which also spent an id per row: 3,000 a re-import)."""
    _mariadb(load_engine)
    sacct = write_sacct(tmp_path / "sacct.txt", 3000)
    _import(load_engine, sacct, 1000)
    stored, next_id = jobs(load_engine), _next_id(load_engine)
    again = _import(load_engine, sacct, 1000)
    assert again._staging
    assert jobs(load_engine) == stored
    assert _next_id(load_engine) == next_id


@pytest.mark.mysql
def test_a_reimport_writes_a_run_whose_text_changed_only_in_trailing_spaces(load_engine, tmp_path):
    _mariadb(load_engine)
    sacct = write_sacct(tmp_path / "sacct.txt", 20)
    _import(load_engine, sacct, 1000)
    spaced = tmp_path / "spaced.txt"
    spaced.write_text(sacct.read_text().replace("|job 7\n", "|job 7  \n"))
    _import(load_engine, spaced, 1000)
    assert {j["name"] for j in jobs(load_engine) if j["name"].startswith("job 7")} == {"job 7  "}


@pytest.mark.mysql
def test_a_run_listed_twice_in_a_reimported_batch_is_its_last_line(load_engine, tmp_path):
    _mariadb(load_engine)
    sacct = write_sacct(tmp_path / "sacct.txt", 20)
    _import(load_engine, sacct, 1000)
    lines = sacct.read_text().splitlines(keepends=True)
    twice = tmp_path / "twice.txt"
    # The run with another state first, then as it is stored: the last line is the run (it
    # must not leave the staging table as unchanged while the first goes on to the upsert).
    changed = lines[5].replace("|COMPLETED|", "|FAILED|")
    twice.write_text("".join([*lines[:5], changed, *lines[6:], lines[5]]))
    _import(load_engine, twice, 1000)
    run = lines[5].split("|")[0]
    assert [j["state"] for j in jobs(load_engine) if j["job_id"] == run] == ["COMPLETED"]
