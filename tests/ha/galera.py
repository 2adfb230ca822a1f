"""A three-node MariaDB Galera cluster on loopback, each node with its own ports and datadir
under a temporary directory: never the machine's own MariaDB on 3306."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from tests.integration.apache import free_port

PROVIDER = "/usr/lib/galera/libgalera_smm.so"


def galera_missing() -> str | None:
    if not Path(PROVIDER).exists():
        return "galera-4 is not installed (it comes with Debian's mariadb-server)"
    if not shutil.which("mariadbd") and not Path("/usr/sbin/mariadbd").exists():
        return "mariadbd is not installed"
    if not shutil.which("rsync"):
        return "rsync is not installed (Galera's state transfer uses it)"
    return None


@dataclass
class Node:
    index: int
    root: Path
    port: int
    gcomm: int
    ist: int
    sst: int
    process: subprocess.Popen | None = None

    @property
    def datadir(self) -> Path:
        return self.root / f"node{self.index}"

    def status(self) -> dict[str, str]:
        conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root", connect_timeout=2)
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep_%'")
                return {k: str(v) for k, v in cur.fetchall()}
        finally:
            conn.close()


@dataclass
class Galera:
    root: Path
    nodes: list[Node] = field(default_factory=list)

    @property
    def address(self) -> str:
        return ",".join(f"127.0.0.1:{n.gcomm}" for n in self.nodes)

    def start_node(self, node: Node, new_cluster: bool = False, timeout: float = 90) -> None:
        node.datadir.mkdir(parents=True, exist_ok=True)
        # As the mysql user: run as root, rsync's daemon (state transfer) drops to nobody and
        # cannot write the joiner's datadir.
        shutil.chown(node.datadir, "mysql", "mysql")
        args = [
            "mariadbd",
            "--no-defaults",
            "--user=mysql",
            f"--datadir={node.datadir}",
            f"--socket={self.root}/node{node.index}.sock",
            f"--pid-file={self.root}/node{node.index}.pid",
            f"--log-error={self.root}/node{node.index}.err",
            "--bind-address=127.0.0.1",
            f"--port={node.port}",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=32M",
            "--innodb-log-file-size=16M",
            "--max-connections=400",
            "--binlog-format=ROW",
            "--innodb-autoinc-lock-mode=2",
            "--default-storage-engine=InnoDB",
            "--wsrep-on=ON",
            f"--wsrep-provider={PROVIDER}",
            f"--wsrep-cluster-address=gcomm://{'' if new_cluster else self.address}",
            "--wsrep-cluster-name=scm-ha-test",
            f"--wsrep-node-address=127.0.0.1:{node.gcomm}",
            f"--wsrep-node-name=node{node.index}",
            "--wsrep-sst-method=rsync",
            f"--wsrep-sst-receive-address=127.0.0.1:{node.sst}",
            f"--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{node.gcomm};"
            f"ist.recv_addr=127.0.0.1:{node.ist};gcache.size=64M;"
            "evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.keepalive_period=PT0.5S",
        ]
        if new_cluster:
            args.append("--wsrep-new-cluster")
        node.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if node.process.poll() is not None:
                break
            try:
                if node.status().get("wsrep_local_state_comment") == "Synced":
                    return
            except pymysql.err.OperationalError:
                pass
            time.sleep(0.3)
        log = Path(f"{self.root}/node{node.index}.err")
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise RuntimeError(f"Galera node{node.index} did not reach Synced:\n{tail}")

    def kill9(self, node: Node) -> None:
        if node.process and node.process.poll() is None:
            node.process.send_signal(signal.SIGKILL)
            node.process.wait(timeout=10)

    def stop(self) -> None:
        for node in self.nodes:
            if node.process and node.process.poll() is None:
                node.process.terminate()
        for node in self.nodes:
            if node.process:
                try:
                    node.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    node.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def start_galera(root: Path) -> Galera:
    root.mkdir(parents=True, exist_ok=True)
    shutil.chown(root, "mysql", "mysql")
    cluster = Galera(root)
    for index in (1, 2, 3):
        ports = [free_port() for _ in range(4)]
        cluster.nodes.append(Node(index, root, *ports))
    first = cluster.nodes[0]
    first.datadir.mkdir(parents=True)
    shutil.chown(first.datadir, "mysql", "mysql")
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            "--user=mysql",
            f"--datadir={first.datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    cluster.start_node(first, new_cluster=True)
    conn = pymysql.connect(host="127.0.0.1", port=first.port, user="root")
    with conn.cursor() as cur:  # root over TCP from 127.0.0.1 without a password, as on 3306
        cur.execute("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''")
        cur.execute("GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION")
    conn.close()
    for node in cluster.nodes[1:]:
        cluster.start_node(node)
    os.sync()
    return cluster
