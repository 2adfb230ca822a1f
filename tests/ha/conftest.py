"""The HA tier's system (issue 14, "Prove it"): a three-node Galera, two SCM "hosts" (each an
Apache serving all four apps with the shipped vhosts and .wsgi files, and its own controller
worker), HAProxy in front with the shipped retry and health-check settings, Redis, the
OpenStack simulator. Everything on loopback, under one temporary directory, stopped by PID."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pymysql
import pytest

from openstack_simulator.testing import SimulatorProcess
from scmops import make_ini
from tests.conftest import skip_or_fail
from tests.ha.galera import Galera, galera_missing, start_galera
from tests.integration.apache import (
    READY_PATHS,
    REPO,
    ScmApache,
    apache_missing,
    free_port,
    setup_scm_apache,
)

APPS = ("cloudauth", "cloudcontroller", "cloudaccountant", "cloudportal")
REDIS = os.environ.get("SCM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def haproxy_cfg(root: Path, ports: dict[str, int], hosts: list[ScmApache], galera: Galera) -> str:
    """The shipped defaults (retries, retry-on, redispatch, check timing) and health checks,
    with one plain-HTTP listener per app on loopback instead of TLS and host names."""
    shipped = (REPO / "deploy" / "haproxy" / "haproxy.cfg").read_text()
    defaults = re.search(r"^defaults\n(.*?)^\S", shipped, re.S | re.M).group(1)
    defaults = defaults.replace("    log global\n", "")
    checks = {}
    for app in APPS:
        block = re.search(rf"^backend {app}\n(.*?)(?:^\S|\Z)", shipped, re.S | re.M).group(1)
        checks[app] = "".join(
            line + "\n" for line in block.splitlines() if "chk" in line or "check" in line
        )
    out = [
        "global",
        f"    pidfile {root}/haproxy.pid",
        "    maxconn 2000",
        "defaults",
        defaults.rstrip(),
        "",
    ]
    for app in APPS:
        out.append(f"listen {app}\n    bind 127.0.0.1:{ports[app]}\n{checks[app]}".rstrip())
        for index, host in enumerate(hosts, 1):
            out.append(f"    server scm{index} {host.urls[app][len('http://') :]}")
    # The apps reach Galera through HAProxy: one writer at a time (the others are backups), so
    # a node's loss is a reconnect to the next, and no two nodes take conflicting writes.
    out.append(
        f"listen galera\n    mode tcp\n    bind 127.0.0.1:{ports['galera']}\n"
        "    option tcpka\n    timeout client 120s\n    timeout server 120s"
    )
    for index, node in enumerate(galera.nodes, 1):
        backup = "" if index == 1 else " backup"
        out.append(f"    server db{index} 127.0.0.1:{node.port} check inter 500ms{backup}")
    return "\n".join(out) + "\n"


@dataclass
class HaSite:
    root: Path
    galera: Galera
    hosts: list[ScmApache]
    workers: list[subprocess.Popen | None]
    urls: dict[str, str]
    simulator: SimulatorProcess
    db_url: dict[str, str]
    ports: dict[str, int]
    haproxy: subprocess.Popen | None = None
    events: list[tuple[float, str]] = field(default_factory=list)

    def start_worker(self, index: int) -> None:
        ini = self.hosts[index].wsgi_dirs["cloudcontroller"] / "cloudcontroller.ini"
        log = open(self.root / f"worker{index + 1}.log", "ab")  # noqa: SIM115 - the child's
        self.workers[index] = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("cloudcontroller-worker")),
                str(ini),
                "--name",
                f"scm{index + 1}:1",
            ],
            stdout=log,
            stderr=log,
        )

    def kill_host(self, index: int) -> None:
        self.hosts[index].kill9()
        worker = self.workers[index]
        if worker and worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)

    def revive_host(self, index: int) -> None:
        self.hosts[index].start()
        self.start_worker(index)


@pytest.fixture(scope="session")
def ha_site():
    for reason in (apache_missing(), galera_missing()):
        if reason:
            skip_or_fail(reason)
    if not shutil.which("haproxy"):
        skip_or_fail("Debian's haproxy is not installed")
    root = Path(tempfile.mkdtemp(prefix="scm-ha-"))
    root.chmod(0o755)
    started = time.monotonic()
    galera = start_galera(root / "galera")
    print(f"\nha: Galera formed in {time.monotonic() - started:.1f} s")
    ports = {app: free_port() for app in (*APPS, "galera")}
    db = {}
    conn = pymysql.connect(host="127.0.0.1", port=galera.nodes[0].port, user="root")
    with conn.cursor() as cur:
        for app in APPS:
            cur.execute(f"CREATE DATABASE {app} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            db[app] = f"mysql+pymysql://root@127.0.0.1:{ports['galera']}/{app}?charset=utf8mb4"
    conn.close()
    # Slow enough that an instance stays leased for a few of the sampler's reads.
    delays = {"build": 1.0, "volume": 0.5, "delete": 0.3, "reboot": 0.3}
    simulator = SimulatorProcess(root / "sim.sqlite", delays).start()
    urls = {app: f"http://127.0.0.1:{ports[app]}" for app in APPS}
    etc = root / "etc"
    argv = ["--out", str(etc), "--domain", "scm.test", "--redis-url", REDIS]
    argv += ["--cache-prefix", f"scmha:{uuid.uuid4().hex}:"]
    argv += ["--openstack-auth-url", simulator.url + "/identity/v3"]
    argv += ["--openstack-username", "admin", "--wsgi-root", str(root / "applogs")]
    argv += ["--auth-url", urls["cloudauth"], "--controller-url", urls["cloudcontroller"]]
    argv += ["--accountant-url", urls["cloudaccountant"], "--portal-url", urls["cloudportal"]]
    argv += ["--auth-db", db["cloudauth"], "--controller-db", db["cloudcontroller"]]
    argv += ["--accountant-db", db["cloudaccountant"], "--portal-db", db["cloudportal"]]
    argv += ["--trusted-proxies", "127.0.0.1", "--install-dir", str(etc)]
    os.environ["SCM_OPENSTACK_PASSWORD"] = "admin-password"
    assert make_ini.main(argv) == 0
    for app in APPS:
        (root / "applogs" / app).mkdir(parents=True)
        (root / "applogs" / app).chmod(0o777)
    inis = {}
    for app in APPS:
        text = (etc / f"{app}.ini").read_text()
        if app == "cloudcontroller":  # fast steps for a short run; no VM to configure
            text = text.replace(
                "[app:main]\n",
                "[app:main]\nvirtualization.ready_check = none\nvirtualization.configure_vms = "
                "false\nworker.interval = 0.2s\nworker.lease = 10s\nopenstack.verify = false\n"
                # Two instances a claim, so that both hosts' workers get some of a burst.
                "worker.batch = 2\n"
                "openstack.private_network_name = scm-private\n"
                "openstack.floating_ip_pool_name = public\n",
                1,
            ).replace("openstack.verify = true\n", "")
        inis[app] = text
    hosts = [setup_scm_apache(inis, root / f"host{i}", threads=6) for i in (1, 2)]
    site = HaSite(root, galera, hosts, [None, None], urls, simulator, db, ports)
    (root / "haproxy.cfg").write_text(haproxy_cfg(root, ports, hosts, galera))
    site.haproxy = subprocess.Popen(
        ["haproxy", "-f", str(root / "haproxy.cfg"), "-db"],
        stdout=open(root / "haproxy.log", "wb"),  # noqa: SIM115 - the child's
        stderr=subprocess.STDOUT,
    )
    bin_dir = Path(sys.executable).parent
    for app, script in [
        ("cloudauth", "initialize_cloudauth_db"),
        ("cloudcontroller", "initialize_cloudcontroller_db"),
        ("cloudaccountant", "initialize_accountant_db"),
        ("cloudportal", "initialize_cloudportal_db"),
    ]:
        subprocess.run(
            [str(bin_dir / script), str(etc / f"{app}.ini")], check=True, capture_output=True
        )
    controller = (etc / "cloudcontroller.ini").read_text()
    key = re.search(r"^cloudauth.api_key = (.*)$", controller, re.M).group(1)
    secret = re.search(r"^cloudauth.api_secret = (.*)$", controller, re.M).group(1)
    subprocess.run(
        [
            str(bin_dir / "cloudauth-service-account"),
            str(etc / "cloudauth.ini"),
            *("--email", "cc1@scm.test", "--role", "cloudcontroller_admin"),
            *("--cloud-controller-id", "1", "--api-key", key, "--secret-from-stdin"),
        ],
        input=secret + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    for host in hosts:
        host.start()
    for index in range(2):
        site.start_worker(index)
    wait_through_haproxy(urls)
    print(f"ha: site up in {time.monotonic() - started:.1f} s")
    yield site
    for index in range(2):
        site.kill_host(index)
    for host in hosts:
        host.stop()
    if site.haproxy:
        site.haproxy.terminate()
        site.haproxy.wait(timeout=10)
    simulator.stop()
    galera.stop()
    os.environ.pop("SCM_OPENSTACK_PASSWORD", None)
    shutil.rmtree(root, ignore_errors=True)


def wait_through_haproxy(urls: dict[str, str], timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    for app, url in urls.items():
        while True:
            try:
                if requests.get(url + READY_PATHS[app], timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{app} not reachable through HAProxy at {url}")
            time.sleep(0.3)
