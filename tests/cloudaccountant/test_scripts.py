"""The console scripts: initialize_accountant_db, import_usage, import_slurm/pbs/sge/uge.

They run as the operator runs them (``main(argv)`` in-process, or ``python -m`` in a child
process for the kill test), against their own freshly created databases.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from cloudaccountant.scripts import (
    import_pbs,
    import_sge,
    import_slurm,
    import_uge,
    import_usage,
    initialize_db,
)
from cloudaccountant.usage.models import Job
from tests.cloudaccountant.conftest import table_dump
from tests.cloudaccountant.helpers import SAMPLES, daily_jobs, write_ini, write_sacct
from tests.conftest import database_url, drop_database


@pytest.fixture
def fresh_db(tmp_path_factory, request):
    urls = []

    def make(name="acct"):
        url = database_url(f"{name}{len(urls)}_{request.node.name[:20]}", tmp_path_factory)
        urls.append(url)
        return url

    yield make
    for url in urls:
        drop_database(url)


def _ini(tmp_path, url, **extra):
    settings = {"sqlalchemy.accountant.url": url, "cloudauth.url": "http://127.0.0.1:9"}
    settings.update(extra)
    return str(write_ini(tmp_path / f"acct{len(list(tmp_path.iterdir()))}.ini", settings))


def _count_jobs(url) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(Job.__table__)).scalar()
    finally:
        engine.dispose()


def test_initialize_creates_the_schema_once_and_then_leaves_it(tmp_path, fresh_db, capsys):
    ini = _ini(tmp_path, fresh_db())
    assert initialize_db.main([ini]) == 0
    assert "cloudaccountant schema at 0005 (was empty)" in capsys.readouterr().out
    assert initialize_db.main([ini]) == 0
    captured = capsys.readouterr()
    assert "0005: already initialised and up to date" in captured.out
    assert captured.err == ""


def test_bad_input_is_one_line_and_a_non_zero_exit(tmp_path, fresh_db, capsys):
    ini = _ini(tmp_path, fresh_db())
    assert import_slurm.main([ini, "2026-03-01", "yesterday"]) == 2
    assert capsys.readouterr().err == (
        "import_slurm: END DATE must be a date YYYY-MM-DD, not 'yesterday'\n"
    )
    assert import_slurm.main([ini, "2026-03-02", "2026-03-01"]) == 2
    assert capsys.readouterr().err == "import_slurm: END DATE is before START DATE\n"
    assert import_usage.main([str(tmp_path / "missing.ini"), "2026-03-01", "2026-03-01"]) == 2
    assert capsys.readouterr().err.startswith("import_usage: cannot read ")
    bad = _ini(tmp_path, fresh_db(), **{"sqlalchemy.cloud.1.slurm.hostname": "x"})
    assert import_slurm.main([bad, "2026-03-01", "2026-03-01"]) == 2
    assert "slurm takes cluster, sacct, server, not 'hostname'" in capsys.readouterr().err
    assert import_pbs.main([ini, "2026-03-01", "2026-03-01"]) == 2
    assert "no sqlalchemy.cloud.<id>.pbs.* source is configured" in capsys.readouterr().err


def test_rejected_lines_are_reported_and_the_rest_imported(tmp_path, fresh_db, capsys):
    url = fresh_db()
    ini = _ini(tmp_path, url, **{"sqlalchemy.cloud.1.slurm.server": "local"})
    initialize_db.main([ini])
    capsys.readouterr()
    sample = str(SAMPLES / "sacct.txt")
    argv = [ini, "2026-03-01", "2026-04-01", "--controller", "1", "--sacct-output", sample]
    assert import_slurm.main(argv) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"{sample}:19: Submit 'yesterday' is not a time",
        f"{sample}:20: 6 fields, expected 14",
        f"{sample}:21: JobID 'NOTANID' is not a Slurm job id",
        f"{sample}:24: not UTF-8",
    ]
    assert "13 jobs imported, 4 lines rejected" in out
    assert _count_jobs(url) == 12


def test_scheduler_logs_are_found_from_the_configured_paths(tmp_path, fresh_db, capsys):
    logs = tmp_path / "pbs"
    logs.mkdir()
    shutil.copy(SAMPLES / "pbs_20260301", logs / "20260301")
    shutil.copy(SAMPLES / "pbs_20260301", logs / "20260415")  # outside the range: not read
    url = fresh_db()
    ini = _ini(
        tmp_path,
        url,
        **{
            "sqlalchemy.cloud.1.pbs.path": str(logs),
            "sqlalchemy.cloud.2.sge.path": str(SAMPLES / "sge_accounting"),
            "sqlalchemy.cloud.2.uge.path": str(SAMPLES / "uge_accounting"),
            "sqlalchemy.cloud.2.uge.cluster": "uge-cell",
        },
    )
    initialize_db.main([ini])
    assert import_pbs.main([ini, "2026-03-01", "2026-03-02"]) == 1  # the sample has bad lines
    assert import_sge.main([ini, "2026-03-01", "2026-03-02"]) == 1
    assert import_uge.main([ini, "2026-03-01", "2026-03-02"]) == 0
    out, err = capsys.readouterr()
    assert f"{logs}/20260301:9: no exec_vnode, exec_host" in err
    assert "controller 1: 5 jobs imported, 3 lines rejected" in out
    assert _count_jobs(url) == 5 + 5 + 2


def _pbs_end(job: str, start: str, end: str) -> str:
    """A PBS ``E`` record of a one-core job (times UTC)."""

    def epoch(text: str) -> int:
        return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp())

    stamp = dt.datetime.fromisoformat(end).strftime("%m/%d/%Y %H:%M:%S")
    return (
        f"{stamp};E;{job}.pbs;user=ann queue=q ctime={epoch(start)} start={epoch(start)} "
        f"end={epoch(end)} exec_host=n1/0\n"
    )


def test_pbs_daily_files_share_one_day_rebuild(tmp_path, fresh_db, capsys):
    logs = tmp_path / "pbs"
    logs.mkdir()
    # One job a file; the later ones ran into 1 March, as jobs of a daily file do.
    (logs / "20260301").write_text(_pbs_end("1", "2026-03-01 01:00", "2026-03-01 02:00"))
    (logs / "20260302").write_text(_pbs_end("2", "2026-03-01 23:00", "2026-03-02 01:00"))
    (logs / "20260303").write_text(_pbs_end("3", "2026-03-01 12:00", "2026-03-03 01:00"))
    url = fresh_db()
    ini = _ini(tmp_path, url, **{"sqlalchemy.cloud.1.pbs.path": str(logs)})
    initialize_db.main([ini])
    rebuilt: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("DELETE FROM job_daily"):
            rebuilt.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", seen)
    try:
        assert import_pbs.main([ini, "2026-03-01", "2026-03-03"]) == 0
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", seen)
    assert "controller 1: 3 jobs imported" in capsys.readouterr().out
    assert len(rebuilt) == 3  # each day once, not once per file that touched it
    engine = sa.create_engine(url)
    try:
        days = daily_jobs(engine)
    finally:
        engine.dispose()
    assert days == {
        ("2026-03-01", "", "ann", "q"): (3, 3600 + 3600 + 12 * 3600),
        ("2026-03-02", "", "ann", "q"): (2, 3600 + 24 * 3600),
        ("2026-03-03", "", "ann", "q"): (1, 3600),
    }


def test_a_missing_source_is_reported_and_others_still_run(tmp_path, fresh_db, capsys):
    ini = _ini(
        tmp_path,
        fresh_db(),
        **{
            "sqlalchemy.cloud.1.sge.path": str(tmp_path / "nowhere"),
            "sqlalchemy.cloud.2.sge.path": str(SAMPLES / "sge_accounting"),
        },
    )
    initialize_db.main([ini])
    assert import_sge.main([ini, "2026-03-01", "2026-03-02"]) == 1
    out, err = capsys.readouterr()
    assert "import_sge: controller 1: cannot read" in err
    assert "controller 2: 5 jobs imported" in out


def test_killing_an_import_midway_then_rerunning_equals_one_clean_run(tmp_path, fresh_db):
    big = write_sacct(tmp_path / "big.txt", 40_000)
    killed_url, clean_url = fresh_db("killed"), fresh_db("clean")
    extra = {"sqlalchemy.cloud.1.slurm.server": "local", "import.batch_size": "500"}
    killed_ini, clean_ini = _ini(tmp_path, killed_url, **extra), _ini(tmp_path, clean_url, **extra)
    for ini in (killed_ini, clean_ini):
        assert initialize_db.main([ini]) == 0
    argv = [
        "2026-03-01",
        "2026-03-31",
        "--controller",
        "1",
        "--sacct-output",
        str(big),
    ]
    child = subprocess.Popen(
        [sys.executable, "-m", "cloudaccountant.scripts.import_slurm", killed_ini, *argv],
        cwd=os.getcwd(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _count_jobs(killed_url) < 2000 and time.monotonic() < deadline:
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    partial = _count_jobs(killed_url)
    assert 0 < partial < 40_000, "the import must be killed midway"
    assert import_slurm.main([killed_ini, *argv]) == 0
    assert import_slurm.main([clean_ini, *argv]) == 0
    killed_engine, clean_engine = sa.create_engine(killed_url), sa.create_engine(clean_url)
    try:
        killed, clean = table_dump(killed_engine), table_dump(clean_engine)
    finally:
        killed_engine.dispose()
        clean_engine.dispose()
    assert len(clean["jobs"]) == 40_000
    assert killed == clean
