"""The fuzz tier's system: the three services on the embedded default (SQLite, the in-process
cache) served over real HTTP by waitress threads, the controller on the OpenStack simulator (a
real process), and users of each role made through Cloud Auth's API, logged in.

The controller runs the local UNIX user driver on a temporary system root and the mkdir storage
driver under a temporary directory, so nothing the fuzzer sends reaches the host's accounts or
homes. Every request each service receives is counted; the tier ends with one line of counts.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from dataclasses import dataclass, field

import pytest
from waitress.server import create_server

from cloudaccountant import main as accountant_main
from cloudcontroller import main as controller_main
from common.migrations import upgrade
from openstack_simulator.testing import SimulatorProcess
from tests import live
from tests.cloudcontroller.accounts.helpers import make_root

ROLES = ("superuser", "owner", "managed", "plain", "anonymous")


class Counted:
    """A WSGI app that counts the requests it receives (the fuzzer's and schemathesis's
    own probes alike)."""

    def __init__(self, app):
        self.app = app
        self._count = itertools.count()
        self._seen = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self._seen = next(self._count) + 1
        return self.app(environ, start_response)

    @property
    def requests(self) -> int:
        return self._seen


@dataclass
class Tally:
    """What the tier did: operations exercised, failures found (one per distinct problem)."""

    operations: set[str] = field(default_factory=set)
    failures: dict[str, str] = field(default_factory=dict)  # key -> first report
    counted: list[Counted] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(app.requests for app in self.counted)

    def fail(self, key: str, report: str) -> None:
        self.failures.setdefault(key, report)


TALLY = Tally()


@dataclass
class System:
    urls: dict[str, str]  # service -> base URL
    headers: dict[str, dict[str, str]]  # role -> X-Auth-Token / X-Auth-Cloudauth-Id
    ids: dict[str, str]  # role -> Cloud Auth user id


def _serve(app) -> tuple[str, object]:
    server = create_server(
        app, asyncore_use_poll=True, host="127.0.0.1", port=0, threads=4, channel_timeout=30
    )

    def run():
        with contextlib.suppress(OSError):  # close() from the test's thread ends the loop
            server.run()

    threading.Thread(target=run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", server


@pytest.fixture(scope="session")
def system(tmp_path_factory):
    base = tmp_path_factory.mktemp("fuzz")
    cache = live.shared_cache()
    with SimulatorProcess(base / "openstack-sim.sqlite") as sim:
        auth = live.LiveCloudAuth(f"sqlite:///{base}/cloudauth.sqlite", cache)
        servers = [auth.server]
        TALLY.counted.append(Counted(auth.server.application))
        auth.server.application = TALLY.counted[-1]
        _, key, secret = auth.service_account("cloudcontroller_admin")
        auth.post("/cloud_controller/create", auth.admin, id="1", name="fuzz")
        owner = auth.user(roles=["account_owner"])
        people = {
            "superuser": auth.admin,
            "owner": owner,
            "managed": auth.user(owner=owner),
            "plain": auth.user(),
        }

        controller_db = f"sqlite:///{base}/cloudcontroller.sqlite"
        (base / "home").mkdir()
        controller = controller_main(
            {},
            **{
                "sqlalchemy.url": controller_db,
                "cloud_controller_id": "1",
                "cloudauth.url": auth.url,
                "cloudauth.api_key": key,
                "cloudauth.api_secret": secret,
                "openstack.auth_url": sim.url + "/identity/v3",
                "openstack.username": "admin",
                "openstack.password": "admin-password",
                "openstack.project_name": "scm",
                "openstack.verify": "false",
                "users.driver": "local",
                "users.root": str(make_root(base)),
                "users.home_root": str(base / "home"),
                "storage.driver": "mkdir",
                "storage.mkdir.root": str(base / "home"),
            },
        )
        upgrade("cloudcontroller", controller.registry["scm.db_engine"])
        controller.registry["scm.cache"] = cache

        accountant = accountant_main(
            {},
            **{
                "sqlalchemy.accountant.url": f"sqlite:///{base}/cloudaccountant.sqlite",
                "sqlalchemy.cloud.1.instances.url": controller_db,
                "cloudauth.url": auth.url,
                "cloudauth.timeout": "5",
            },
        )
        upgrade("cloudaccountant", accountant.registry["scm.db_engine"])
        accountant.registry["scm.cache"] = cache

        urls = {"cloudauth": auth.url}
        for name, app in (("cloudcontroller", controller), ("cloudaccountant", accountant)):
            TALLY.counted.append(Counted(app))
            urls[name], server = _serve(TALLY.counted[-1])
            servers.append(server)
        yield System(
            urls,
            {role: who.headers for role, who in people.items()} | {"anonymous": {}},
            {role: who.userid for role, who in people.items()},
        )
        for server in servers:
            server.close()


def pytest_terminal_summary(terminalreporter):
    if not TALLY.operations:
        return
    for key, report in sorted(TALLY.failures.items()):
        terminalreporter.write_line(f"fuzz failure: {key}\n{report}")
    terminalreporter.write_line(
        f"fuzz: {TALLY.requests} requests, {len(TALLY.operations)} operations, "
        f"{len(TALLY.failures)} failures"
    )
