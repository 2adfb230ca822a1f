"""Run the simulator as a real process for tests: free port, readiness poll, stop by PID."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from openstack_simulator import seed

FAST_DELAYS = {"build": 0.3, "volume": 0.2, "delete": 0.2, "reboot": 0.2}


class SimulatorProcess:
    """`scm-openstack-sim serve` in a subprocess on 127.0.0.1 and a port the OS picks."""

    def __init__(self, state: str | Path, delays: dict[str, float] | None = None):
        self.state = str(state)
        self.delays = FAST_DELAYS if delays is None else delays
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.startup_seconds = 0.0
        self.log_path = Path(self.state + ".log")

    def start(self, timeout: float = 30.0) -> SimulatorProcess:
        args = [
            sys.executable,
            "-m",
            "openstack_simulator.cli",
            "--state",
            self.state,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ]
        for name, value in self.delays.items():
            args += [f"--{name}-delay", str(value)]
        started = time.monotonic()
        self.log_path = Path(self.state + ".log")
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        # A file, not a pipe: a pipe nobody drains would block the server once full.
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + timeout
        match = None
        while match is None:
            text = self.log_path.read_bytes()[offset:].decode(errors="replace")
            match = re.search(r"listening on (http://\S+)", text)
            if match is None and (self.proc.poll() is not None or time.monotonic() > deadline):
                self.stop()
                raise RuntimeError(f"simulator did not start: {text[-2000:]}")
            time.sleep(0.02)
        self.url = match.group(1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/admin/health", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.05)
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> SimulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the admin endpoint -------------------------------------------------------------------
    def admin(self, method: str, path: str, body: dict | None = None) -> dict | None:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback URL we started
            self.url + "/admin" + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310
            raw = resp.read()
        return json.loads(raw) if raw else None

    def fault(
        self, kind: str, service: str | None = None, count: int = 1, seconds: float = 0.0
    ) -> dict:
        body = {"kind": kind, "count": count, "seconds": seconds}
        if service:
            body["service"] = service
        return self.admin("POST", "/faults", body)["fault"]

    def clear_faults(self) -> None:
        self.admin("DELETE", "/faults")

    def env(self) -> dict:
        """The same keys as the real stack's env.json."""
        return {
            "auth_url": self.url + "/identity/v3",
            "username": seed.ADMIN_USER,
            "password": seed.ADMIN_PASSWORD,
            "project_name": seed.SCM_PROJECT,
            "user_domain_name": "Default",
            "project_domain_name": "Default",
            "region_name": "RegionOne",
            "private_network": seed.PRIVATE_NETWORK,
            "external_network": seed.EXTERNAL_NETWORK,
            "image_name": seed.LOGIN_IMAGE,
            "flavor_name": "m1.tiny",
            "gpu_flavor_name": seed.GPU_FLAVOR,
        }
