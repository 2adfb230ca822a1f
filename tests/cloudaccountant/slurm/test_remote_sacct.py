"""import_slurm running the real Slurm's ``sacct`` on a "head node" reached over a real sshd.

The sshd (tests/cloudaccountant/sshd.py) gives every session ``SLURM_CONF`` (its ``SetEnv``), as
a head node's ``/etc/slurm/slurm.conf`` would; the importer's own environment has no
``SLURM_CONF``, so the jobs can only come through ssh. A second controller's sacct command does
not exist there: one line, exit 1, and the first controller's jobs are imported all the same.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cloudaccountant.scripts import import_slurm, initialize_db
from tests.cloudaccountant.helpers import jobs, write_ini
from tests.cloudaccountant.slurm.test_real_slurm import _wait_until_accounted
from tests.cloudaccountant.sshd import sshd_missing, start_sshd
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.slurm, pytest.mark.ssh]


@pytest.fixture
def head_node(slurm_cluster):
    reason = sshd_missing()
    if reason:
        skip_or_fail(reason)
    server = start_sshd({"SLURM_CONF": slurm_cluster.env["SLURM_CONF"]})
    yield server
    server.stop()


def test_remote_sacct_over_ssh(slurm_cluster, head_node, acct_db, acct_db_url, tmp_path, capsys):
    cluster = slurm_cluster
    two = cluster.sbatch("-n", "2", "-J", "remote two", "--wrap", "sleep 2")
    one = cluster.sbatch("-n", "1", "--wrap", "sleep 1")
    accounted = _wait_until_accounted(cluster, {two, one})
    assert accounted[two]["cpus"] == 2 and accounted[two]["elapsed"] >= 2

    ini = str(
        write_ini(
            tmp_path / "acct.ini",
            {
                "sqlalchemy.accountant.url": acct_db_url,
                "cloudauth.url": "http://127.0.0.1:9",
                "import.ssh_options": head_node.ssh_options,
                "sqlalchemy.cloud.1.slurm.server": head_node.url(),
                "sqlalchemy.cloud.2.slurm.server": head_node.url(),
                "sqlalchemy.cloud.2.slurm.sacct": "/opt/no-such-slurm/bin/sacct",
            },
        )
    )
    initialize_db.main([ini, "--upgrade"])
    capsys.readouterr()
    today = dt.datetime.now(dt.UTC).date()
    argv = [ini, (today - dt.timedelta(days=1)).isoformat(), today.isoformat()]
    assert import_slurm.main(argv) == 1
    out, err = capsys.readouterr()
    (line,) = err.splitlines()  # one line, naming the command that failed there and why
    assert line.startswith(
        f"import_slurm: controller 2: ssh://root@127.0.0.1:{head_node.port}: "
        "'/opt/no-such-slurm/bin/sacct --allusers --allocations --duplicates --parsable2 "
    )
    assert line.endswith(
        "' exited with 127 there: env: '/opt/no-such-slurm/bin/sacct': No such file or directory"
    )
    assert "controller 1:" in out and "lines rejected" in out

    imported = {
        (j["job_id"], j["array_index"]): j for j in jobs(acct_db) if j["cloud_controller_id"] == 1
    }
    for job_id in (two, one):
        seen = accounted[job_id]
        assert imported[(job_id, -1)]["core_seconds"] == seen["cpus"] * seen["elapsed"]
        assert imported[(job_id, -1)]["cluster"] == "scmtest"
    assert imported[(two, -1)]["name"] == "remote two"
    assert not [j for j in jobs(acct_db) if j["cloud_controller_id"] == 2]
