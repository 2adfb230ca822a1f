"""Jobs of known size and length run on a real Slurm; import_slurm runs the real sacct; the
imported core-seconds equal each job's cores x seconds as Slurm itself accounts them."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from cloudaccountant.scripts import import_slurm, initialize_db
from tests.cloudaccountant import controller_db as contract
from tests.cloudaccountant.conftest import table_dump
from tests.cloudaccountant.helpers import daily_jobs, jobs, write_ini

pytestmark = pytest.mark.slurm
ROOT_USER = "0" * 31 + "1"


def _wait_until_accounted(cluster, job_ids: set[str], timeout: float = 60) -> dict[str, dict]:
    """sacct's own view of each job once all have ended: cores, elapsed seconds, state."""
    deadline = time.monotonic() + timeout
    fields = "JobID,AllocCPUS,ElapsedRaw,State,End"
    while time.monotonic() < deadline:
        out = cluster.run("sacct", "-X", "-a", "-n", "-P", "-o", fields)
        rows = {}
        for line in out.splitlines():
            job_id, cpus, elapsed, state, end = line.split("|")
            rows[job_id] = dict(cpus=int(cpus), elapsed=int(elapsed), state=state)
            rows[job_id]["ended"] = end not in ("Unknown", "None", "")
        if job_ids <= rows.keys() and all(rows[j]["ended"] for j in job_ids):
            return {j: rows[j] for j in job_ids}
        time.sleep(0.5)
    raise AssertionError(f"jobs not accounted after {timeout}s: {cluster.log('slurmctld')}")


def test_imported_core_hours_equal_cores_times_seconds(
    slurm_cluster, acct_db, acct_db_url, controller_db, controller_db_url, tmp_path, monkeypatch
):
    cluster = slurm_cluster
    with controller_db.begin() as conn:
        conn.execute(
            contract.system_users.insert(),
            [{"id": "9" * 32, "cloudauth_id": ROOT_USER, "system_name": "root"}],
        )
    two_cores = cluster.sbatch("-n", "2", "-J", "two|cores ジョブ", "--wrap", "sleep 3")
    one_core = cluster.sbatch("-n", "1", "--wrap", "sleep 2")
    array = cluster.sbatch("-n", "1", "--array=1-2", "--wrap", "sleep 1")
    cancelled = cluster.sbatch("-n", "1", "--wrap", "sleep 60")
    deadline = time.monotonic() + 30
    while "RUNNING" not in cluster.run("squeue", "-h", "-j", cancelled, "-o", "%T"):
        assert time.monotonic() < deadline, "the job to cancel never started"
        time.sleep(0.2)
    time.sleep(1.5)
    cluster.run("scancel", cancelled)
    accounted = _wait_until_accounted(
        cluster, {two_cores, one_core, f"{array}_1", f"{array}_2", cancelled}
    )
    assert accounted[two_cores]["cpus"] == 2 and accounted[two_cores]["elapsed"] >= 3
    assert accounted[one_core]["cpus"] == 1 and accounted[one_core]["elapsed"] >= 2
    assert accounted[cancelled]["state"].startswith("CANCELLED")

    monkeypatch.setenv("SLURM_CONF", cluster.env["SLURM_CONF"])
    ini = str(
        write_ini(
            tmp_path / "acct.ini",
            {
                "sqlalchemy.accountant.url": acct_db_url,
                "cloudauth.url": "http://127.0.0.1:9",
                "sqlalchemy.cloud.1.slurm.server": "local",
                "sqlalchemy.cloud.1.users.url": controller_db_url,
            },
        )
    )
    initialize_db.main([ini, "--upgrade"])
    today = dt.datetime.now(dt.UTC).date()
    argv = [ini, (today - dt.timedelta(days=1)).isoformat(), today.isoformat()]
    assert import_slurm.main(argv) == 0

    imported = {(j["job_id"], j["array_index"]): j for j in jobs(acct_db)}
    expected = {}
    for job_id, seen in accounted.items():
        job, _, task = job_id.partition("_")
        expected[(job, int(task) if task else -1)] = seen["cpus"] * seen["elapsed"]
    assert {k: v["core_seconds"] for k, v in imported.items()} == expected
    assert (array, 1) in imported and (array, 2) in imported  # array tasks are jobs
    assert imported[(two_cores, -1)]["name"] == "two|cores ジョブ"
    assert imported[(cancelled, -1)]["state"] == "CANCELLED"
    assert {j["cloud_auth_userid"] for j in imported.values()} == {ROOT_USER}
    summary = daily_jobs(acct_db)
    assert sum(core_seconds for _, core_seconds in summary.values()) == sum(expected.values())

    once = table_dump(acct_db)
    assert import_slurm.main(argv) == 0
    assert table_dump(acct_db) == once
