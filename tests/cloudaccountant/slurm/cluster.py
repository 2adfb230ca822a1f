"""A real Slurm on loopback for the accountant's Slurm tier: munged, slurmdbd (accounting in the
local MariaDB, in a database of its own), slurmctld and slurmd, each with its own configuration,
pid file and port, each started in the foreground as our child and stopped by its PID.

Facts this relies on (shared/notes/peers.md): Debian ``slurm-wlm slurmdbd slurm-client munge``;
munged runs as user munge and checks that its directories are not world-writable; job records
reach ``sacct`` a few seconds after a job ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

BINARIES = ("munged", "mungekey", "slurmdbd", "slurmctld", "slurmd", "sacct", "sbatch", "scontrol")
CLUSTER = "scmtest"


def slurm_missing() -> str | None:
    """Why the tier cannot run here, or None."""
    missing = [b for b in BINARIES if shutil.which(b, path="/usr/sbin:/usr/bin:/sbin:/bin") is None]
    if missing:
        return (
            f"real Slurm not installed (missing {', '.join(missing)}): "
            "apt-get install slurm-wlm slurmdbd slurm-client munge"
        )
    if os.geteuid() != 0:
        return "the Slurm tier runs its daemons as root (SlurmUser=root)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SlurmCluster:
    base: Path
    env: dict[str, str]
    db_url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def run(self, *argv: str, check: bool = True) -> str:
        done = subprocess.run(
            list(argv), env=self.env, capture_output=True, text=True, timeout=30, check=False
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {done.returncode}: {done.stderr.strip()}")
        return done.stdout

    def sbatch(self, *args: str) -> str:
        out = self.run("sbatch", "--parsable", *args)
        return out.strip().split(";")[0]

    def log(self, name: str) -> str:
        text = ""
        for suffix in (".out", ".log"):
            path = self.base / f"{name}{suffix}"
            if path.exists():
                text += path.read_text(errors="replace")[-2000:]
        return text

    def stop(self) -> None:
        for name in ("slurmd", "slurmctld", "slurmdbd", "munged"):
            process = self.processes.pop(name, None)
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        engine = sa.create_engine(self.db_url)
        with engine.connect() as conn:
            conn.exec_driver_sql(
                f"DROP DATABASE IF EXISTS {sa.engine.make_url(self.db_url).database}"
            )
        engine.dispose()
        if not os.environ.get("SCM_KEEP_SLURM"):
            shutil.rmtree(self.base, ignore_errors=True)


def _wait(what: str, ready, cluster: SlurmCluster, name: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process = cluster.processes.get(name)
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}: {cluster.log(name)}")
        if ready():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout}s: {cluster.log(name)}")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_slurm(server_url: str) -> SlurmCluster:
    """Start the four daemons; ``server_url`` is a MariaDB server URL (root, no database)."""
    # Not under pytest's 0700 temp dirs: munged runs as user munge and must reach its files.
    base = Path(tempfile.mkdtemp(prefix="scm-slurm-"))
    base.chmod(0o755)
    munge_dir = base / "munge"
    munge_dir.mkdir(mode=0o755)
    shutil.chown(munge_dir, "munge", "munge")
    for sub in ("state", "spool"):
        (base / sub).mkdir()
    database = f"scm_test_slurm_{os.getpid()}"
    server = sa.engine.make_url(server_url)
    db_url = server.set(database=database).render_as_string(hide_password=False)
    engine = sa.create_engine(server.set(database=""))
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
        conn.exec_driver_sql(f"CREATE DATABASE {database}")
    engine.dispose()

    socket_path = munge_dir / "munge.socket"
    ctld_port, slurmd_port, dbd_port = _free_port(), _free_port(), _free_port()
    cpus = os.cpu_count() or 1
    auth = f"AuthType=auth/munge\nAuthInfo=socket={socket_path}\n"
    (base / "slurmdbd.conf").write_text(
        f"{auth}DbdHost=localhost\nDbdAddr=127.0.0.1\nDbdPort={dbd_port}\nSlurmUser=root\n"
        f"PidFile={base}/slurmdbd.pid\nLogFile={base}/slurmdbd.log\nDebugLevel=info\n"
        "StorageType=accounting_storage/mysql\n"
        f"StorageHost={server.host or '127.0.0.1'}\nStoragePort={server.port or 3306}\n"
        f"StorageUser={server.username or 'root'}\n"
        + (f"StoragePass={server.password}\n" if server.password else "")
        + f"StorageLoc={database}\n"
    )
    (base / "slurmdbd.conf").chmod(0o600)
    (base / "slurm.conf").write_text(
        f"ClusterName={CLUSTER}\nSlurmctldHost=localhost(127.0.0.1)\n{auth}"
        f"SlurmctldPort={ctld_port}\nSlurmdPort={slurmd_port}\n"
        "SlurmUser=root\nSlurmdUser=root\n"
        f"StateSaveLocation={base}/state\nSlurmdSpoolDir={base}/spool\n"
        f"SlurmctldPidFile={base}/slurmctld.pid\nSlurmdPidFile={base}/slurmd.pid\n"
        f"SlurmctldLogFile={base}/slurmctld.log\nSlurmdLogFile={base}/slurmd.log\n"
        "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
        "JobAcctGatherType=jobacct_gather/none\n"
        "SelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\n"
        "AccountingStorageType=accounting_storage/slurmdbd\n"
        f"AccountingStorageHost=localhost\nAccountingStoragePort={dbd_port}\n"
        f"AccountingStoragePass={socket_path}\n"
        "JobCompType=jobcomp/none\nMpiDefault=none\nReturnToService=2\nMailProg=/bin/true\n"
        "SchedulerType=sched/backfill\nInactiveLimit=0\nKillWait=5\nMinJobAge=5\n"
        f"NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN\n"
        "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n"
    )
    env = {
        **os.environ,
        "SLURM_CONF": str(base / "slurm.conf"),
        "TZ": "UTC",
    }
    cluster = SlurmCluster(base, env, db_url)
    try:
        _start(cluster, munge_dir, socket_path, ctld_port, dbd_port)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _start(cluster: SlurmCluster, munge_dir: Path, socket_path: Path, ctld_port, dbd_port):
    base, env = cluster.base, cluster.env
    key = munge_dir / "munge.key"
    subprocess.run(["mungekey", "-c", "-k", str(key)], check=True, user="munge", group="munge")
    log = open(base / "munged.log", "ab")  # noqa: SIM115  (kept by the child)
    cluster.processes["munged"] = subprocess.Popen(
        [
            "munged",
            "-F",
            f"--socket={socket_path}",
            f"--key-file={key}",
            f"--pid-file={munge_dir}/munged.pid",
            f"--log-file={munge_dir}/munged.log",
            f"--seed-file={munge_dir}/munged.seed",
        ],
        user="munge",
        group="munge",
        stdout=log,
        stderr=log,
    )
    _wait("munged", socket_path.exists, cluster, "munged")
    for name, argv, port in (
        ("slurmdbd", ["slurmdbd", "-D"], dbd_port),
        ("slurmctld", ["slurmctld", "-D", "-c", "-i", "-f", env["SLURM_CONF"]], ctld_port),
    ):
        out = open(base / f"{name}.out", "ab")  # noqa: SIM115
        cluster.processes[name] = subprocess.Popen(argv, env=env, stdout=out, stderr=out)
        _wait(name, lambda p=port: _port_open(p), cluster, name)
    out = open(base / "slurmd.out", "ab")  # noqa: SIM115
    cluster.processes["slurmd"] = subprocess.Popen(
        ["slurmd", "-D", "-N", "localhost", "-f", env["SLURM_CONF"]],
        env=env,
        stdout=out,
        stderr=out,
    )

    def idle() -> bool:
        state = cluster.run("sinfo", "-h", "-o", "%T", check=False).strip()
        return state in ("idle", "mixed", "allocated")

    _wait("slurmd", idle, cluster, "slurmd")
