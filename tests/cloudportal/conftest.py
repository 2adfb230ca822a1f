"""Portal tests: the real portal app (``main()``) driven by WebTest, talking over real HTTP to a
live Cloud Auth, a live cloud controller (with its worker as a thread, as the demo runs it) and
the OpenStack simulator as a real process. A second controller is configured but stopped
(nothing listens on its port), so every page shows how one controller down looks.

Peers are started once per session; each test makes its own users, so tests do not share
state through them."""

from __future__ import annotations

import contextlib
import re
import threading
import time
import uuid
from dataclasses import dataclass

import pytest
import webtest
from waitress.server import create_server

from cloudcontroller import main as controller_main
from cloudcontroller.instances.worker import run_worker
from cloudportal import main as portal_main
from common.migrations import upgrade
from openstack_simulator.cli import open_store
from openstack_simulator.neutron import create_subnet
from openstack_simulator.testing import SimulatorProcess
from tests import live
from tests.cloudcontroller.accounts.helpers import make_root
from tests.conftest import database_url, drop_database

PASSWORD = "long enough pw"
SSO_ADMIN_RULE = "isMemberOf = hpc-admins\neduPersonEntitlement = urn:mace:example.edu:scm-admin"


@pytest.fixture(scope="session")
def peer_cache():
    return live.shared_cache()


@pytest.fixture(scope="session")
def cloudauth(tmp_path_factory, peer_cache):
    peer = live.LiveCloudAuth(
        f"sqlite:///{tmp_path_factory.mktemp('portal-auth')}/cloudauth.sqlite",
        peer_cache,
        # SSO logins (tests/cloudportal/test_sso.py); nothing else uses them.
        auth_sso="true",
        **{"auth_sso.admin_attributes": SSO_ADMIN_RULE},
    )
    yield peer
    peer.close()


@pytest.fixture(scope="session")
def simulator(tmp_path_factory):
    """One OpenStack simulator for the portal's tests. Its seeded public network has 10
    floating IPs; the tests' nodes, never all deleted, need more: a second subnet of 200 on the
    same network (as a site's pool grows), added the way `openstack-sim pool` writes its state."""
    state = tmp_path_factory.mktemp("portal-sim") / "state.sqlite"
    with SimulatorProcess(state) as sim:
        store = open_store(str(state))
        public = next(n for n in store.all("network") if n["name"] == "public")
        create_subnet(
            store,
            public["id"],
            "198.51.100.0/24",
            "public-more",
            [{"start": "198.51.100.20", "end": "198.51.100.219"}],
        )
        yield sim


@dataclass
class LiveController:
    url: str
    port: int
    app: object
    home_root: str

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def controller(tmp_path_factory, cloudauth, simulator, peer_cache):
    """Cloud controller 1 over HTTP: local UNIX users on a temporary root, $HOME volumes made
    by the mkdir driver, its worker as a thread."""
    live_cc, stop = start_controller(tmp_path_factory, cloudauth, simulator, peer_cache)
    yield live_cc
    stop()


def start_controller(
    tmp_path_factory, cloudauth, simulator, peer_cache, cc_id: int = 1, port: int = 0, **extra
):
    """A controller (``cc_id``, registered in ``cloudauth``) serving on ``port`` (0: any free
    one), its worker as a thread; ``extra`` settings override the defaults. Returns the
    :class:`LiveController` and the function that stops it and drops its database."""
    base = tmp_path_factory.mktemp(f"portal-cc{cc_id}")
    db_url = database_url(f"portalcc{uuid.uuid4().hex[:6]}", tmp_path_factory)
    _, key, secret = cloudauth.service_account("cloudcontroller_admin")
    response = cloudauth.http.post(
        cloudauth.url + "/cloud_controller/create",
        data={"id": str(cc_id), "name": f"cc{cc_id}"},
        headers=cloudauth.admin.headers,
        timeout=10,
    )
    assert response.status_code in (200, 201, 409), response.text
    home = base / "home"
    home.mkdir()
    settings = {
        "sqlalchemy.url": db_url,
        "cloud_controller_id": str(cc_id),
        "cloudauth.url": cloudauth.url,
        "cloudauth.api_key": key,
        "cloudauth.api_secret": secret,
        "openstack.auth_url": simulator.url + "/identity/v3",
        "openstack.username": "admin",
        "openstack.password": "admin-password",
        "openstack.project_name": "scm",
        "openstack.verify": "false",
        "openstack.private_network_name": "scm-private",
        "openstack.floating_ip_pool_name": "public",
        "virtualization.ready_check": "none",
        "virtualization.configure_vms": "false",
        "virtualization.flavor_caps": '{"1": 1}',
        "worker.interval": "0.05",
        "worker.lease": "60",
        "users.driver": "local",
        "users.root": str(make_root(base)),
        "storage.driver": "mkdir",
        "storage.mkdir.root": str(home),
        **extra,
    }
    app = controller_main({}, **settings)
    upgrade("cloudcontroller", app.registry["scm.db_engine"])
    app.registry["scm.cache"] = peer_cache
    server = create_server(
        app,
        asyncore_use_poll=True,
        host="127.0.0.1",
        port=port,
        threads=8,
        connection_limit=100_000,
        channel_timeout=30,
    )
    thread = threading.Thread(target=_quiet(server.run), daemon=True)
    thread.start()
    stop = threading.Event()
    threading.Thread(
        target=run_worker, args=(app.registry, stop, f"portal-test-worker-{cc_id}"), daemon=True
    ).start()

    def close():
        stop.set()
        live.stop_server(server)
        app.registry["scm.db_engine"].dispose()
        drop_database(db_url)

    port = server.effective_port
    return LiveController(f"http://127.0.0.1:{port}", port, app, str(home)), close


def _quiet(run):
    def serve():
        with contextlib.suppress(OSError):
            run()

    return serve


@pytest.fixture(scope="session")
def stopped_port():
    """A port nothing listens on: controller 2, which is down."""
    return live.free_port()


def portal_settings(portal_db_url, cloudauth, controller, stopped_port, **overrides) -> dict:
    settings = {
        "sqlalchemy.url": portal_db_url,
        "cloudauth.url": cloudauth.url,
        "backend.connect_timeout": "1",
        "backend.timeout": "15",
        "cloudcon.1.name": "Penguin West",
        "cloudcon.1.description": "West coast",
        "cloudcon.1.api_endpoint": controller.endpoint,
        "cloudcon.1.api_ssl": "false",
        "cloudcon.2.name": "Penguin East",
        "cloudcon.2.api_endpoint": f"127.0.0.1:{stopped_port}",
        "cloudcon.2.api_ssl": "false",
        "scm.storage_mgmt": "true",
        "scm.cc_storage_driver": "mkdir",
        "scm.ssh_key_mgmt": "true",
        "site.title": "Penguin SCM Resources",
        "site.login_help_message": "Use your site account.",
        "site.sidebar_lower": '<a href="https://docs.example.com/">Site docs</a>',
        "session.url": f"memory://portal-{uuid.uuid4().hex}",
        "session.cookie_secure": "false",
        "site.url": "https://portal.example.com",
        "mail.host": "127.0.0.1",
        "mail.sender": "portal@example.com",
    }
    settings.update(overrides)
    return settings


@pytest.fixture(scope="session")
def portal_db_url(tmp_path_factory):
    url = database_url("cloudportal", tmp_path_factory)
    from common.db import make_engine

    engine = make_engine({"sqlalchemy.url": url})
    upgrade("cloudportal", engine)
    engine.dispose()
    yield url
    drop_database(url)


class MailSink:
    """A real SMTP server (aiosmtpd) on loopback keeping every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        sink = self

        class Keep(Message):
            def handle_message(self, message):
                with sink._lock:
                    sink.messages.append(message)

        self._lock = threading.Lock()
        self.messages: list = []
        self.port = live.free_port()
        self.controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def to(self, address: str) -> list:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 15.0):
        """The ``count``-th message to ``address`` (mail leaves after the page answered)."""
        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count:
            assert time.monotonic() < deadline, f"no mail #{count} to {address}: {self.to(address)}"
            time.sleep(0.05)
        return self.to(address)[count - 1]

    def close(self):
        self.controller.stop()


@pytest.fixture(scope="session")
def mail_sink():
    sink = MailSink()
    yield sink
    sink.close()


@pytest.fixture(scope="session")
def make_portal(portal_db_url, cloudauth, controller, stopped_port, mail_sink):
    def build(**overrides):
        overrides.setdefault("mail.port", str(mail_sink.port))
        app = portal_main(
            {}, **portal_settings(portal_db_url, cloudauth, controller, stopped_port, **overrides)
        )
        return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})

    return build


@pytest.fixture(scope="session")
def portal_app(make_portal):
    return make_portal()


@pytest.fixture
def portal(portal_app):
    """A fresh browser (its own cookie jar) on the shared portal app."""
    portal_app.reset()
    return portal_app


class Browser:
    """A signed-in browser: WebTest with its own cookies, plus form helpers."""

    def __init__(self, app: webtest.TestApp):
        self.app = app

    def csrf(self) -> str:
        page = self.app.get("/profile")
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def post(self, path: str, data=None, status="*", **kw):
        fields = dict(data or {})
        fields.setdefault("csrf_token", self.csrf())
        return self.app.post(path, fields, status=status, **kw)

    def get(self, path: str, status=None, **kw):
        return self.app.get(path, status=status, **kw)


def login(app: webtest.TestApp, email: str, password: str = PASSWORD):
    page = app.get("/login")
    form = page.forms[0]
    form["login"] = email
    form["password"] = password
    return form.submit(status="*")


@pytest.fixture
def new_browser(make_portal, portal_app):
    """``new_browser(who)``: a new browser signed in as ``who`` (a tests.live.Who)."""

    def build(who, app=None) -> Browser:
        app = webtest.TestApp((app or portal_app).app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        response = login(app, who.email)
        assert response.status_int == 302, response.text
        return Browser(app)

    return build


@pytest.fixture
def owner(cloudauth):
    return cloudauth.user(roles=["account_owner"])


@pytest.fixture
def wait_for():
    def wait(read, done, timeout=30.0, what="condition"):
        deadline = time.monotonic() + timeout
        while True:
            value = read()
            if done(value):
                return value
            assert time.monotonic() < deadline, f"{what} never happened: {value}"
            time.sleep(0.1)

    return wait
