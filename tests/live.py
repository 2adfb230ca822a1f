"""Real peers for the services that authenticate through Cloud Auth (controller, accountant):
a Cloud Auth served over HTTP in a thread, on its own migrated database, sharing the test's
cache, with helpers to make users and tokens through its public API."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from waitress.server import create_server

from cloudauth import main as cloudauth_main
from common.cache import MemoryCache, PrefixedCache, RedisCache
from common.migrations import upgrade

DEMO_KEY = "ZGVtby1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q="


# The demo's base ports: portal, cloudauth, cloudaccountant, (unused), cloudcontroller, simulator,
# mail sink.
DEMO_PORTS = range(7690, 7697)


def free_demo_offset() -> int:
    """A port offset for ``scm-demo`` that puts every demo port below the kernel's ephemeral
    range (where outgoing connections take their local ports) and on a port nothing listens on
    now."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(50):
        offset = random.randint(10000, low - 1 - DEMO_PORTS[-1])
        try:
            for port in DEMO_PORTS:
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        return offset
    raise RuntimeError("no free ports for the demo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_server(server) -> None:
    """Stop a waitress server served from a thread: its listening socket, every open keep-alive
    channel (they hold the app, and keep the loop thread alive) and its task threads. A test
    process starts hundreds of these; left running, their threads and apps pile up."""
    server.close()
    for channel in list(server._map.values()):
        with contextlib.suppress(OSError):
            channel.close()
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)


def shared_cache():
    """The cache a live Cloud Auth and the service under test share (Redis in CI tier 2)."""
    url = os.environ.get("SCM_TEST_REDIS_URL")
    inner = RedisCache(url) if url else MemoryCache()
    return PrefixedCache(inner, f"scmtest:{uuid.uuid4().hex}:")


@dataclass
class Who:
    userid: str
    email: str
    headers: dict


class LiveCloudAuth:
    def __init__(self, db_url: str, cache, **settings: str):
        app = cloudauth_main(
            {},
            **{
                "sqlalchemy.url": db_url,
                "apikey.encryption_keys": DEMO_KEY,
                "login_allowed.hosts": "127.0.0.1",
                "login.max_failures_per_address": "100000",
                # every test's visitor comes from 127.0.0.1 (the limit has its own tests)
                "registration.max_requests_per_address": "100000",
                **settings,
            },
        )
        upgrade("cloudauth", app.registry["scm.db_engine"])
        app.registry["scm.cache"] = cache
        self.cache = cache
        # Each test builds its own app under test, and each app keeps a keep-alive connection to
        # Cloud Auth: past waitress's default of 100 open connections it would stop accepting
        # until idle ones time out (120 s), and tests would see timeouts.
        self.server = create_server(
            app,
            asyncore_use_poll=True,
            host="127.0.0.1",
            port=free_port(),
            threads=8,
            connection_limit=100_000,
            channel_timeout=30,
        )
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        threading.Thread(target=self._serve, daemon=True).start()
        self.http = requests.Session()
        self.admin = self.login("admin", "Penguin")
        self._roles = {r["name"]: r["id"] for r in self.get("/role/list", self.admin)["roles"]}

    def _serve(self):
        # close() shuts the socket from the test's thread; the loop then ends with EBADF.
        with contextlib.suppress(OSError):
            self.server.run()

    def close(self):
        self.http.close()
        stop_server(self.server)

    def get(self, path, who: Who | None = None, **params):
        response = self.http.get(
            self.url + path, params=params, headers=who.headers if who else {}, timeout=10
        )
        body = response.json()
        assert body["success"], body
        return body["data"]

    def post(self, path, who: Who | None = None, **form):
        response = self.http.post(
            self.url + path, data=form, headers=who.headers if who else {}, timeout=10
        )
        body = response.json()
        assert body["success"], body
        return body.get("data", body)

    def login(self, login: str, password: str) -> Who:
        body = self.http.post(
            self.url + "/auth/login", data={"username": login, "password": password}, timeout=10
        ).json()
        assert body["success"], body
        headers = {
            "X-Auth-Token": body["authentication_token"],
            "X-Auth-Cloudauth-Id": body["data"]["userid"],
        }
        return Who(body["data"]["userid"], body["data"]["email"], headers)

    def user(self, roles=(), owner: Who | None = None) -> Who:
        """A new user (managed by ``owner`` when given), logged in."""
        email = f"u{uuid.uuid4().hex[:10]}@example.com"
        form = {"email": email, "password": "long enough pw"}
        if owner is not None:
            form["owner_userid"] = owner.userid
        created = self.post("/user/create", self.admin, **form)
        for role in roles:
            self.post(f"/role/add_user/{self._roles[role]}", self.admin, user_id=created["id"])
        return self.login(email, "long enough pw")

    def service_account(self, role: str) -> tuple[str, str, str]:
        """A service user with ``role`` and an API key: (userid, key, secret)."""
        who = self.user(roles=[role])
        keys = self.post(f"/api_key/create/{who.userid}", self.admin)
        return who.userid, keys["api_key"], keys["api_secret"]
