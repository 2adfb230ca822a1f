"""A real Cloud Auth served over HTTP in a thread, with users in every role the accountant
distinguishes, each logged in (as tests/common/test_security_over_http.py does)."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass

import requests
from waitress.server import create_server

from cloudauth import main as cloudauth_main
from common.migrations import upgrade
from tests.cloudauth.conftest import DEMO_KEY

PASSWORD = "long enough password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveCloudAuth:
    url: str
    server: object
    headers: dict[str, dict[str, str]]  # who -> X-Auth-Token / X-Auth-Cloudauth-Id
    ids: dict[str, str]  # who -> Cloud Auth user id

    def stop(self) -> None:
        self.server.close()


def _login(url: str, username: str, password: str) -> dict[str, str]:
    body = requests.post(
        f"{url}/auth/login", data={"username": username, "password": password}, timeout=5
    ).json()
    return {
        "X-Auth-Token": body["authentication_token"],
        "X-Auth-Cloudauth-Id": body["data"]["userid"],
    }


def start_cloudauth(db_url: str, cache) -> LiveCloudAuth:
    app = cloudauth_main(
        {},
        **{
            "sqlalchemy.url": db_url,
            "apikey.encryption_keys": DEMO_KEY,
            "login_allowed.hosts": "127.0.0.1",
            "login.max_failures_per_address": "1000",
        },
    )
    upgrade("cloudauth", app.registry["scm.db_engine"])
    app.registry["scm.cache"] = cache
    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=4)

    def serve():
        # stop() closes the socket from the test's thread; the loop then ends with EBADF.
        with contextlib.suppress(OSError):
            server.run()

    threading.Thread(target=serve, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    admin = _login(url, "admin", "Penguin")
    roles = requests.get(f"{url}/role/list", headers=admin, timeout=5).json()["data"]["roles"]
    role_ids = {r["name"]: r["id"] for r in roles}
    ids = {"admin": admin["X-Auth-Cloudauth-Id"]}

    def create(who: str, owner: str | None = None, role: str | None = None) -> None:
        data = {"email": f"{who}@example.com", "password": PASSWORD, "name": who}
        if owner:
            data["owner_userid"] = ids[owner]
        body = requests.post(f"{url}/user/create", data=data, headers=admin, timeout=5).json()
        ids[who] = body["data"]["id"]
        if role:
            requests.post(
                f"{url}/role/add_user/{role_ids[role]}",
                data={"user_id": ids[who]},
                headers=admin,
                timeout=5,
            )

    create("owner", role="account_owner")
    create("managed1", owner="owner")
    create("managed2", owner="owner")
    create("owner2", role="account_owner")
    create("managed3", owner="owner2")
    create("plain")
    create("auditor", role="cloudaccountant_admin")
    headers = {"admin": admin}
    for who in ids:
        if who != "admin":
            headers[who] = _login(url, f"{who}@example.com", PASSWORD)
    return LiveCloudAuth(url, server, headers, ids)
