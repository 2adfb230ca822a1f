"""Cores, nodes and GPUs of each PBS dialect's ``E`` record: what the job was given.

Each record below is written the way its server writes it; every expected figure is worked out
by hand in the comment beside it (times are 2026-03-01 UTC unless the record says otherwise).
"""

from __future__ import annotations

import pytest

from cloudaccountant.importing.jobs import JobImporter
from cloudaccountant.importing.pbs import PbsParser, exec_vnode_allocation
from cloudaccountant.importing.records import Rejected
from cloudaccountant.scripts import import_pbs, initialize_db
from tests.cloudaccountant.helpers import UTC, d, daily_jobs, jobs, write_ini

# The record of issue 15: a 10-hour GPU job on one host, its 48 CPUs over two vnodes of node7,
# and PBS Pro's exec_host naming 0 of them (imported with 0 cores before).
PBS_PRO_VNODE = (
    "12/07/2020 01:00:38;E;3073070.pbs1;user=u1 group=u1 queue=gpu ctime=1607291960 "
    "qtime=1607291960 etime=1607291960 start=1607291966 exec_host=node7/0*0 "
    "exec_vnode=(node7[1]:mem=190000128kb:ngpus=2:ncpus=24+node7[0]:ngpus=2:ncpus=24) "
    "Resource_List.ncpus=48 Resource_List.ngpus=4 Resource_List.nodect=1 "
    "Resource_List.select=1:mpiprocs=48:ncpus=48:ngpus=4:mem=185547mb "
    "Resource_List.walltime=10:00:00 end=1607335238 Exit_status=0 resources_used.ncpus=48 "
    "resources_used.walltime=10:01:12"
)
# PBS Pro, two chunks on three hosts: 8 + (8 + 4) CPUs.
PBS_PRO_CHUNKS = (
    "03/01/2026 06:00:00;E;5001.pbs1;user=u2 group=u2 queue=workq ctime=1772330000 "
    "start=1772330400 exec_host=n1/0*8+n2/0*12 "
    "exec_vnode=(n1:ncpus=8:mem=4194304kb)+(n2:ncpus=8:mem=4194304kb+n3:ncpus=4) "
    "Resource_List.ncpus=20 Resource_List.nodect=2 Resource_List.select=2:ncpus=10 "
    "end=1772334000 Exit_status=0 resources_used.ncpus=20"
)
# PBS Pro without exec_vnode (older servers, or hooks that drop it): exec_host's n/0*4 slots.
PBS_PRO_NO_VNODE = (
    "03/01/2026 05:00:00;E;5002.pbs1;user=u3 group=u3 queue=workq ctime=1772337000 "
    "start=1772337600 exec_host=n1/0*4+n2/0*4 Resource_List.ncpus=8 Resource_List.nodect=2 "
    "Resource_List.select=2:ncpus=4 end=1772339400 Exit_status=0 resources_used.walltime=00:30:00"
)
# PBS Pro, exec_host naming 0 CPUs and no exec_vnode: resources_used.ncpus (12) wins over the
# request (Resource_List.ncpus 16).
PBS_PRO_USED = (
    "03/01/2026 05:30:00;E;5003.pbs1;user=u3 group=u3 queue=workq ctime=1772339000 "
    "start=1772339400 exec_host=n4/0*0 Resource_List.ncpus=16 end=1772341200 Exit_status=1 "
    "resources_used.ncpus=12"
)
# Nothing names a CPU: a job that ran 600 s must not be written with 0 cores.
PBS_PRO_NO_CPUS = (
    "03/01/2026 07:10:00;E;5004.pbs1;user=u3 group=u3 queue=workq ctime=1772347800 "
    "start=1772348400 exec_host=n4/0*0 end=1772349000 Exit_status=0"
)
# Torque 2.x: one exec_host entry per slot, highest first.
TORQUE_2 = (
    "03/01/2026 02:00:00;E;1001.torque2;user=u4 group=users jobname=t2 queue=batch "
    "ctime=1772326000 qtime=1772326000 etime=1772326000 start=1772326800 owner=u4@login "
    "exec_host=n01/2+n01/1+n01/0+n02/2+n02/1+n02/0 Resource_List.neednodes=2:ppn=3 "
    "Resource_List.nodect=2 Resource_List.nodes=2:ppn=3 Resource_List.walltime=01:00:00 "
    "session=4242 end=1772330400 Exit_status=0 resources_used.cput=00:00:10 "
    "resources_used.mem=3000kb resources_used.vmem=30000kb resources_used.walltime=01:00:00"
)
# Torque 5.x: slot ranges, and GPUs asked for in nodes=.
TORQUE_5 = (
    "03/01/2026 04:00:00;E;2001.torque5;user=u5 group=users jobname=t5 queue=batch "
    "ctime=1772329000 qtime=1772329000 etime=1772329000 start=1772330400 owner=u5@login "
    "exec_host=n01/0-7+n02/0-7 Resource_List.nodes=2:ppn=8 Resource_List.nodect=2 "
    "session=77 total_execution_slots=16 unique_node_count=2 end=1772337600 Exit_status=0 "
    "resources_used.walltime=02:00:00"
)
TORQUE_5_GPU = (
    "03/01/2026 04:00:00;E;2002.torque5;user=u5 group=users jobname=t5g queue=gpu "
    "ctime=1772329000 start=1772330400 exec_host=n03/0-3 Resource_List.nodes=1:ppn=4:gpus=2 "
    "end=1772334000 Exit_status=-11"
)


def _parse(*records: str):
    lines = [(r + "\n").encode() for r in records]
    return list(PbsParser("acct").parse(lines))


def _one(record: str):
    (item,) = _parse(record)
    assert not isinstance(item, Rejected), str(item)
    return item


def test_pbs_pro_exec_vnode_is_the_allocation():
    job = _one(PBS_PRO_VNODE)
    assert (job.cores, job.nodes, job.gpus) == (48, 1, 4)  # 24 + 24 CPUs, 2 + 2 GPUs, node7
    assert job.core_seconds == 48 * 43272  # end - start = 1607335238 - 1607291966
    assert (job.cluster, job.job_id, job.queue) == ("pbs1", "3073070", "gpu")
    chunks = _one(PBS_PRO_CHUNKS)
    assert (chunks.cores, chunks.nodes, chunks.gpus) == (20, 3, 0)  # 8 + 8 + 4 on n1, n2, n3


def test_pbs_pro_without_exec_vnode_counts_exec_host_slots():
    job = _one(PBS_PRO_NO_VNODE)
    assert (job.cores, job.nodes) == (8, 2)  # n1/0*4 + n2/0*4
    assert job.core_seconds == 8 * 1800


def test_a_field_naming_no_cpus_gives_way_to_the_next():
    job = _one(PBS_PRO_USED)  # exec_host n4/0*0: resources_used.ncpus before the request
    assert (job.cores, job.nodes, job.state) == (12, 1, "FAILED")
    assert job.core_seconds == 12 * 1800


def test_torque_2_and_5_slots():
    torque2 = _one(TORQUE_2)
    assert (torque2.cores, torque2.nodes, torque2.gpus) == (6, 2, 0)  # 3 slots on each node
    assert torque2.core_seconds == 6 * 3600
    torque5 = _one(TORQUE_5)
    assert (torque5.cores, torque5.nodes) == (16, 2)  # 0-7 on n01 and n02
    assert torque5.core_seconds == 16 * 7200
    gpu = _one(TORQUE_5_GPU)
    assert (gpu.cores, gpu.nodes, gpu.gpus, gpu.state) == (4, 1, 2, "ABORTED")


def test_a_job_that_ran_without_any_cpu_field_is_reported_not_zero():
    (item,) = _parse(PBS_PRO_NO_CPUS)
    assert str(item) == "acct:1: the job ran 600 s but none of exec_host names a CPU"
    bare = PBS_PRO_NO_CPUS.replace(" exec_host=n4/0*0", "")
    (item,) = _parse(bare)
    assert str(item) == (
        "acct:1: no exec_vnode, exec_host, resources_used.ncpus, Resource_List.ncpus or "
        "Resource_List.nodes for cores"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("(n1:ncpus=4)", (4, 1, 0)),
        ("(n1[0]:ncpus=2:ngpus=1+n1[1]:ncpus=2:ngpus=1)+(n2:ncpus=4)", (8, 2, 2)),
        ("(n1:mem=1gb)", (0, 1, 0)),
    ],
)
def test_exec_vnode_forms(value, expected):
    assert exec_vnode_allocation(value) == expected


@pytest.mark.parametrize("value", ["(n1:ncpus=x)", "(:ncpus=4)", "(n1:ncpus)", "(n1[:ncpus=2)"])
def test_malformed_exec_vnode_is_a_reason(value):
    (item,) = _parse(PBS_PRO_CHUNKS.replace(PBS_PRO_CHUNKS.split()[7], f"exec_vnode={value}"))
    assert isinstance(item, Rejected)
    assert "exec_vnode" in item.reason


def test_every_dialect_imports_exact_core_hours(acct_db):
    importer = JobImporter(acct_db, 1, "pbs", UTC, {}, 2)
    result = importer.run(iter(_parse(PBS_PRO_VNODE)), d("2020-12-07"), d("2020-12-07"))
    assert result.imported == 1
    records = [
        PBS_PRO_CHUNKS,
        PBS_PRO_NO_VNODE,
        PBS_PRO_USED,
        PBS_PRO_NO_CPUS,
        TORQUE_2,
        TORQUE_5,
        TORQUE_5_GPU,
    ]
    result = importer.run(iter(_parse(*records)), d("2026-03-01"), d("2026-03-01"))
    assert (result.imported, result.rejected_count) == (6, 1)
    assert daily_jobs(acct_db) == {
        # 21:59:26 to midnight is 7,234 s; midnight to 10:00:38 is 36,038 s.
        ("2020-12-06", "", "u1", "gpu"): (1, 48 * 7234),
        ("2020-12-07", "", "u1", "gpu"): (1, 48 * 36038),
        ("2026-03-01", "", "u2", "workq"): (1, 20 * 3600),
        ("2026-03-01", "", "u3", "workq"): (2, 8 * 1800 + 12 * 1800),
        ("2026-03-01", "", "u4", "batch"): (1, 6 * 3600),
        ("2026-03-01", "", "u5", "batch"): (1, 16 * 7200),
        ("2026-03-01", "", "u5", "gpu"): (1, 4 * 3600),
    }
    gpu_job = next(j for j in jobs(acct_db) if j["job_id"] == "3073070")
    assert (gpu_job["cores"], gpu_job["gpus"], gpu_job["core_seconds"]) == (48, 4, 2_077_056)


def test_import_pbs_reports_the_line_and_imports_the_rest(acct_db, acct_db_url, tmp_path, capsys):
    log = tmp_path / "20260301"
    log.write_text(f"{PBS_PRO_NO_VNODE}\n{PBS_PRO_NO_CPUS}\n{TORQUE_2}\n")
    ini = write_ini(
        tmp_path / "acct.ini",
        {
            "sqlalchemy.accountant.url": acct_db_url,
            "cloudauth.url": "http://127.0.0.1:9",
            "sqlalchemy.cloud.1.pbs.path": str(tmp_path),
        },
    )
    initialize_db.main([str(ini), "--upgrade"])
    capsys.readouterr()
    assert import_pbs.main([str(ini), "2026-03-01", "2026-03-01"]) == 1
    err = capsys.readouterr().err
    assert f"{log}:2: the job ran 600 s but none of exec_host names a CPU" in err
    assert {j["job_id"]: j["core_seconds"] for j in jobs(acct_db)} == {
        "5002": 8 * 1800,
        "1001": 6 * 3600,
    }
