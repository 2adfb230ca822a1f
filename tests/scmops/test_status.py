"""``scm-status`` against a site made by ``scm-make-ini``: the four real apps served over HTTP,
the OpenStack simulator, SQLite databases and Redis. All up is exit 0; each failure is one
line naming what to look at, and a half-configured host is described, never a traceback."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading

import pytest
import sqlalchemy as sa
from pyramid.paster import get_app
from waitress.server import create_server

from common.cache import RedisCache
from common.errors import Unavailable
from common.migrations import upgrade
from openstack_simulator import make_app
from scmops import make_ini, status
from scmops.probes import galera
from tests.conftest import skip_or_fail
from tests.live import free_port, stop_server

APPS = ("cloudauth", "cloudcontroller", "cloudaccountant", "cloudportal")
REDIS = os.environ.get("SCM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class Served:
    def __init__(self, app, port):
        self.server = create_server(
            app, asyncore_use_poll=True, host="127.0.0.1", port=port, threads=4
        )
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        with contextlib.suppress(OSError):
            self.server.run()

    def close(self):
        stop_server(self.server)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    try:
        RedisCache(REDIS).get("ping")
    except Unavailable:
        skip_or_fail(f"no Redis at {REDIS}")
    base = tmp_path_factory.mktemp("site")
    ports = {app: free_port() for app in (*APPS, "openstack")}
    url = {app: f"http://127.0.0.1:{ports[app]}" for app in ports}
    os.environ["SCM_OPENSTACK_PASSWORD"] = "admin-password"
    argv = ["--out", str(base / "etc"), "--domain", "scm.test", "--redis-url", REDIS]
    argv += ["--openstack-auth-url", url["openstack"] + "/identity/v3"]
    argv += ["--openstack-username", "admin", "--wsgi-root", str(base / "logs")]
    argv += ["--install-dir", str(base / "etc")]
    for app, flag in [("cloudauth", "auth"), ("cloudcontroller", "controller")]:
        argv += [f"--{flag}-url", url[app]]
    argv += ["--accountant-url", url["cloudaccountant"], "--portal-url", url["cloudportal"]]
    for app, flag in [("cloudauth", "auth"), ("cloudcontroller", "controller")]:
        argv += [f"--{flag}-db", f"sqlite:///{base}/{app}.sqlite"]
    argv += ["--accountant-db", f"sqlite:///{base}/cloudaccountant.sqlite"]
    argv += ["--portal-db", f"sqlite:///{base}/cloudportal.sqlite"]
    assert make_ini.main(argv) == 0
    for app in APPS:
        (base / "logs" / app).mkdir(parents=True)
    servers = {"openstack": Served(make_app(str(base / "sim.sqlite")), ports["openstack"])}
    for app in APPS:
        wsgi = get_app(str(base / "etc" / f"{app}.ini"), "main")
        upgrade(app, wsgi.registry["scm.db_engine"])
        servers[app] = Served(wsgi, ports[app])
    yield base, servers
    for server in servers.values():
        server.close()
    os.environ.pop("SCM_OPENSTACK_PASSWORD", None)


def run(capsys, *argv):
    rc = status.main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_all_up_is_exit_0_with_each_version(site, capsys):
    base, _ = site
    rc, out, _ = run(capsys, str(base / "etc" / "scm-status.ini"))
    assert rc == 0, out
    for app in APPS:
        assert f"service {app}" in out
    assert out.count("version 3.1.0") >= 3  # auth, controller, accountant say theirs
    assert "redis" in out and "openstack keystone" in out and "openstack compute" in out
    rc, out, _ = run(capsys, str(base / "etc" / "scm-status.ini"), "--json")
    document = json.loads(out)
    assert rc == 0 and document["ok"] is True
    assert {c["name"] for c in document["checks"]} >= {f"database {a}" for a in APPS}


def test_a_stuck_instance_without_a_worker_is_a_problem(site, capsys):
    base, _ = site
    engine = sa.create_engine(f"sqlite:///{base}/cloudcontroller.sqlite")
    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=2)
    live = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=2)
    row = "INSERT INTO server_instances (id, cloudauth_id, image_id, flavor_id, hostname, desired, status, phase, pending, generation, lease_owner, lease_until, created_at, updated_at, phase_started_at, reboot_pending, reconfigure_pending) VALUES (:id, 'u', 'i', 'f', 'h', 'on', 'BUILD', 'boot', 1, 1, :owner, :until, :at, :at, :at, 0, 0)"  # noqa: E501
    with engine.begin() as conn:
        conn.execute(sa.text(row), {"id": "a" * 32, "owner": None, "until": None, "at": old})
        conn.execute(sa.text(row), {"id": "b" * 32, "owner": "scm2:1", "until": live, "at": old})
    try:
        rc, out, _ = run(capsys, str(base / "etc" / "scm-status.ini"), "--quiet")
        assert rc == 1
        assert "1 instance(s) in progress with no worker lease for 5 min" in out
        assert "unfinished for 120 min" in out
        rc, out, _ = run(capsys, str(base / "etc" / "scm-status.ini"))
        assert "scm2:1 (1 claimed)" in out and "2 instance(s) in progress" in out
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM server_instances"))
        engine.dispose()


def test_a_service_that_is_down_is_one_line(site, capsys):
    base, _ = site
    dead = f"http://127.0.0.1:{free_port()}"
    rc, out, _ = run(
        capsys, str(base / "etc" / "scm-status.ini"), "--quiet", "--url", f"cloudaccountant={dead}"
    )
    assert rc == 1
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("service cloudaccountant:"), out


def test_a_half_configured_host_says_what_is_missing(tmp_path, capsys):
    (tmp_path / "scm-status.ini").write_text(
        f"[scm-status]\ncloudauth.url = http://127.0.0.1:{free_port()}\nini_dir = {tmp_path}\n"
    )
    (tmp_path / "cloudcontroller.ini").write_text("[app:main]\ncloud_controller_id = 1\n")
    rc, out, err = run(capsys, str(tmp_path / "scm-status.ini"))
    assert rc == 1 and "Traceback" not in out + err
    assert "set cloudportal.url in" in out
    assert f"cloudaccountant.ini not found in {tmp_path}" in out
    assert "cloudcontroller.ini sets no sqlalchemy.url" in out
    assert "cloudcontroller.ini lacks openstack.auth_url" in out
    rc, _, err = run(capsys, str(tmp_path / "nothing.ini"))
    assert rc == 2 and err.count("\n") == 1 and "no such file" in err


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ""),
        ({"wsrep_cluster_size": "2"}, "2 of 3 nodes in the cluster"),
        ({"wsrep_local_state_comment": "Donor/Desynced"}, "Donor/Desynced, not Synced"),
        ({"wsrep_ready": "OFF"}, "wsrep_ready is not ON"),
        ({"wsrep_cluster_status": "non-Primary"}, "non-Primary, not Primary (no quorum)"),
    ],
)
def test_galera_status_as_seed_1_18_3_reads_it(changes, expected):
    healthy = {
        "wsrep_cluster_size": "3",
        "wsrep_local_state_comment": "Synced",
        "wsrep_ready": "ON",
        "wsrep_connected": "ON",
        "wsrep_cluster_status": "Primary",
    }
    detail, problem = galera("mysql+pymysql://u:pw@db/x", healthy | changes, 3)
    assert "pw" not in detail and "wsrep_cluster_size=" in detail
    assert (expected in problem) if expected else problem == ""
