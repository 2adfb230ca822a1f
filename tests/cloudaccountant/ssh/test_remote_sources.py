"""import_pbs, import_sge and import_uge reading a head node's files over a real sshd.

The sshd (tests/cloudaccountant/sshd.py) runs on loopback with its own host key, port and
authorised key; the importers reach it with the system ``ssh`` exactly as configured in
production (``ssh://root@host:port/path``, ``import.ssh_options`` naming the client config).
Expected figures are the samples' jobs worked out by hand (see test_pbs_sge_import.py).
"""

from __future__ import annotations

import gzip
import shutil

import pytest
import sqlalchemy as sa

from cloudaccountant.scripts import import_pbs, import_sge, import_uge, initialize_db
from cloudaccountant.usage.models import JobDaily
from tests.cloudaccountant.helpers import SAMPLES, daily_jobs, jobs, write_ini
from tests.cloudaccountant.sshd import free_port

pytestmark = pytest.mark.ssh


def _ini(tmp_path, acct_db_url, sshd, sources: dict[str, str]) -> str:
    ini = write_ini(
        tmp_path / "acct.ini",
        {
            "sqlalchemy.accountant.url": acct_db_url,
            "cloudauth.url": "http://127.0.0.1:9",
            "import.ssh_options": sshd.ssh_options,
            **sources,
        },
    )
    initialize_db.main([str(ini), "--upgrade"])
    return str(ini)


def _by_controller(engine) -> dict[int, dict[tuple, tuple[int, int]]]:
    table = JobDaily.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table)).mappings().all()
    found: dict[int, dict] = {}
    for r in rows:
        key = (r["date"].isoformat(), r["system_username"], r["queue"])
        found.setdefault(r["cloud_controller_id"], {})[key] = (r["jobs"], r["core_seconds"])
    return found


# The SGE sample's good records, by hand (as test_pbs_sge_import.py): alice 1 slot x 3600 s and
# 2 slots x 1800 s; bob's 8-slot PE master record, 8 x 7200 s either side of midnight; carol's
# rescheduled job, two runs of 600 s and 3600 s.
SGE_DAYS = {
    ("2026-03-01", "alice", "all.q"): (2, 3600 + 2 * 1800),
    ("2026-03-01", "bob", "all.q"): (1, 8 * 7200),
    ("2026-03-02", "bob", "all.q"): (1, 8 * 7200),
    ("2026-03-01", "carol", "all.q"): (2, 600 + 3600),
}


def _sge_files(directory) -> None:
    """The SGE sample's good lines as a head node keeps them: the live ``accounting`` file and
    an older, gzipped rotation."""
    lines = (SAMPLES / "sge_accounting").read_bytes().splitlines(keepends=True)
    good = lines[:10]  # lines 11 and 12 are the sample's malformed ones
    directory.mkdir()
    (directory / "accounting").write_bytes(b"".join(good[:2] + good[6:]))
    with gzip.open(directory / "accounting-20260228.gz", "wb") as out:
        out.write(b"".join(good[2:6]))


def test_remote_pbs_daily_files(sshd, acct_db, acct_db_url, tmp_path, capsys):
    logs = tmp_path / "server_priv" / "accounting"
    logs.mkdir(parents=True)
    shutil.copy(SAMPLES / "pbs_20260301", logs / "20260301")
    shutil.copy(SAMPLES / "pbs_20260301", logs / "20260420")  # outside the range: not read
    ini = _ini(tmp_path, acct_db_url, sshd, {"sqlalchemy.cloud.1.pbs.path": sshd.url(str(logs))})
    assert import_pbs.main([ini, "2026-03-01", "2026-03-02"]) == 1  # the sample has bad lines
    out, err = capsys.readouterr()
    remote = f"ssh://root@127.0.0.1:{sshd.port}{logs}/20260301"
    assert err.splitlines() == [
        f"{remote}:9: no exec_vnode, exec_host, resources_used.ncpus, Resource_List.ncpus or "
        "Resource_List.nodes for cores",
        f"{remote}:10: start 'abc' is not a UNIX time",
        f"{remote}:11: not a PBS accounting record",
    ]
    assert "controller 1: 5 jobs imported, 3 lines rejected" in out
    assert daily_jobs(acct_db) == {  # test_pbs_sge_import.py's hand-worked figures
        ("2026-03-01", "", "alice", "batch"): (1, 8 * 7200),
        ("2026-03-01", "", "alice", "array"): (1, 4 * 1800),
        ("2026-03-01", "", "bob", "batch"): (1, 4 * 3600),
        ("2026-03-02", "", "bob", "batch"): (1, 4 * 3600),
        ("2026-03-01", "", "carol", "long"): (1, 2 * 3600),
        ("2026-03-01", "", "dave", "batch"): (1, 2 * 3600),
    }


def test_remote_sge_and_uge_files_plain_and_gzipped(sshd, acct_db, acct_db_url, tmp_path, capsys):
    _sge_files(tmp_path / "sge")
    uge = tmp_path / "uge"
    uge.mkdir()
    with gzip.open(uge / "accounting.1.gz", "wb") as out:
        out.write((SAMPLES / "uge_accounting").read_bytes())
    ini = _ini(
        tmp_path,
        acct_db_url,
        sshd,
        {
            "sqlalchemy.cloud.1.sge.path": sshd.url(str(tmp_path / "sge")),
            "sqlalchemy.cloud.2.uge.path": sshd.url(str(uge)),
        },
    )
    assert import_sge.main([ini, "2026-03-01", "2026-03-02"]) == 0
    assert import_uge.main([ini, "2026-03-01", "2026-03-02"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "controller 1: 5 jobs imported, 0 lines rejected" in out
    assert _by_controller(acct_db) == {
        1: SGE_DAYS,
        2: {  # the UGE sample: milliseconds; bob's 4-slot job 1800 s either side of midnight
            ("2026-03-01", "alice", "all.q"): (1, 3600),
            ("2026-03-01", "bob", "all.q"): (1, 4 * 1800),
            ("2026-03-02", "bob", "all.q"): (1, 4 * 1800),
        },
    }
    assert {j["cloud_auth_userid"] for j in jobs(acct_db)} == {""}  # no users.url: unmapped


def test_each_failing_source_is_one_line_and_the_others_import(
    sshd, acct_db, acct_db_url, tmp_path, capsys
):
    _sge_files(tmp_path / "sge")
    closed = free_port()  # nothing listens there
    missing = tmp_path / "no" / "such" / "accounting"
    ini = _ini(
        tmp_path,
        acct_db_url,
        sshd,
        {
            "sqlalchemy.cloud.1.sge.path": sshd.url(str(tmp_path / "sge")),
            "sqlalchemy.cloud.2.sge.path": f"ssh://root@127.0.0.1:{closed}/var/sge/accounting",
            "sqlalchemy.cloud.3.sge.path": f"ssh://root@refused{tmp_path}/sge",
            "sqlalchemy.cloud.4.sge.path": sshd.url(str(missing)),
            "sqlalchemy.cloud.5.sge.path": sshd.url(str(tmp_path / "sge")),
        },
    )
    assert import_sge.main([ini, "2026-03-01", "2026-03-02"]) == 1
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert lines[0] == (
        f"import_sge: controller 2: ssh://root@127.0.0.1:{closed}: ssh failed (exit 255): "
        f"ssh: connect to host 127.0.0.1 port {closed}: Connection refused"
    )
    assert lines[1] == (
        "import_sge: controller 3: ssh://root@refused: ssh failed (exit 255): "
        "root@127.0.0.1: Permission denied (publickey)."
    )
    assert lines[2] == (
        f"import_sge: controller 4: ssh://root@127.0.0.1:{sshd.port}: 'cat -- {missing}' "
        f"exited with 1 there: cat: {missing}: No such file or directory"
    )
    assert "controller 1: 5 jobs imported" in out and "controller 5: 5 jobs imported" in out
    assert _by_controller(acct_db) == {1: SGE_DAYS, 5: SGE_DAYS}
    assert "Accepted publickey for root" in sshd.log()
