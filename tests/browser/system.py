"""The system under test of the browser tier: the demo launcher (``scm-demo``) as a child process,
exactly as ``python3 dev.py demo`` runs it -- the OpenStack simulator (its default short boot
delays), Cloud Auth, the controller with its worker thread, the accountant and the portal, on
loopback ports nothing else holds, with a fresh state directory.

The benchmark (bench/portal_bench.py) starts the same way."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.live import free_demo_offset

REPO = Path(__file__).resolve().parents[2]
NAMES = ("openstack (sim)", "cloudauth", "cloudcontroller", "cloudaccountant", "cloudportal")


@dataclass
class DemoSystem:
    """A running ``scm-demo``: its URLs (without a trailing slash) and the admin's password."""

    process: subprocess.Popen
    var_dir: Path
    urls: dict[str, str]
    output: list[str] = field(default_factory=list)
    admin_password: str = "Penguin"

    @property
    def portal(self) -> str:
        return self.urls["cloudportal"]

    @property
    def auth(self) -> str:
        return self.urls["cloudauth"]

    @property
    def controller(self) -> str:
        return self.urls["cloudcontroller"]

    @property
    def simulator(self) -> str:
        return self.urls["openstack (sim)"].removesuffix("/identity/v3")

    @classmethod
    def start(cls, var_dir: Path, timeout: float = 90.0, extra_args=()) -> DemoSystem:
        offset = free_demo_offset()
        scm_demo = Path(sys.executable).with_name("scm-demo")
        process = subprocess.Popen(
            [str(scm_demo), "--var-dir", str(var_dir), "--port-offset", str(offset), *extra_args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Stop with Ctrl-C"):
                break
        else:
            process.kill()
            raise RuntimeError("scm-demo did not start in time:\n" + "".join(lines))
        urls = {}
        for name in NAMES:
            found = re.search(rf"^{re.escape(name)}\s+(http://\S+)", "".join(lines), re.M)
            if found:
                urls[name] = found.group(1).rstrip("/")
        if process.poll() is not None or "cloudportal" not in urls:
            process.kill()
            raise RuntimeError("scm-demo did not start the portal:\n" + "".join(lines))
        system = cls(process, var_dir, urls, lines)
        # Keep draining its output so the child never blocks on a full pipe.
        threading.Thread(target=system._drain, daemon=True).start()
        return system

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # -- the APIs, for set-up a test does not want to click through ---------------------------
    def api_login(self, login: str, password: str) -> dict:
        """Cloud Auth's login answer, plus ``headers`` for the APIs."""
        body = requests.post(
            self.auth + "/auth/login", data={"username": login, "password": password}, timeout=10
        ).json()
        assert body["success"], body
        body["headers"] = {
            "X-Auth-Token": body["authentication_token"],
            "X-Auth-Cloudauth-Id": body["data"]["userid"],
        }
        return body

    def settle_admin_password(self, new: str = "Penguin-changed-1") -> str:
        """The admin's password, changed away from the default through Cloud Auth's API if no
        test has done it in the browser yet."""
        if self.admin_password == "Penguin":
            admin = self.api_login("admin", "Penguin")
            response = requests.post(
                f"{self.auth}/user/set_password/{admin['data']['userid']}",
                data={"password": new, "current_password": "Penguin"},
                headers=admin["headers"],
                timeout=10,
            )
            assert response.status_code == 200, response.text
            self.admin_password = new
        return self.admin_password

    def create_user(self, email: str, password: str, roles=()) -> str:
        """A user made by the admin through Cloud Auth's API (set-up, not under test)."""
        admin = self.api_login("admin", self.settle_admin_password())
        created = requests.post(
            self.auth + "/user/create",
            data={"email": email, "password": password, "name": email.split("@")[0]},
            headers=admin["headers"],
            timeout=10,
        ).json()
        assert created["success"], created
        listed = requests.get(self.auth + "/role/list", headers=admin["headers"], timeout=10)
        for name in roles:
            role = next(r for r in listed.json()["data"]["roles"] if r["name"] == name)
            response = requests.post(
                f"{self.auth}/role/add_user/{role['id']}",
                data={"user_id": created["data"]["id"]},
                headers=admin["headers"],
                timeout=10,
            )
            assert response.status_code == 200, response.text
        return created["data"]["id"]
