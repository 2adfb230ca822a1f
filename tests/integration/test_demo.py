"""The README's first command: ``scm-demo`` starts the system and prints where to log in."""

from __future__ import annotations

import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


DEMO_PORTS = range(7690, 7696)  # portal, cloudauth, cloudaccountant, cloudcontroller, -, sim


def free_offset() -> int:
    """An offset that puts every demo port below the kernel's ephemeral range (where outgoing
    connections take their local ports) and on a port nothing listens on now."""
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
    raise AssertionError("no free ports for the demo")


def test_demo_starts_prints_the_login_and_stops_cleanly(tmp_path):
    offset = free_offset()
    scm_demo = Path(sys.executable).with_name("scm-demo")
    process = subprocess.Popen(
        [str(scm_demo), "--var-dir", str(tmp_path), "--port-offset", str(offset)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Stop with Ctrl-C"):
                break
        output = "".join(lines)
        assert "admin / Penguin" in output, output
        assert "Warning" not in output, output
        portal = re.match(r"Open the portal: (http://\S+/) ", lines[0]).group(1)
        assert "Log in" in requests.get(portal + "login", timeout=10).text
        login_url = re.search(r"(http://\S+/auth/login)", output).group(1)
        body = requests.post(
            login_url, data={"username": "admin", "password": "Penguin"}, timeout=10
        ).json()
        assert body["success"] and len(body["authentication_token"]) == 32
        headers = {
            "X-Auth-Token": body["authentication_token"],
            "X-Auth-Cloudauth-Id": body["data"]["userid"],
        }
        controller = re.search(r"cloudcontroller\s+(http://\S+)", output).group(1)
        flavors = requests.get(controller + "server-flavor", headers=headers, timeout=10).json()
        assert "m1.tiny" in [
            f["name"] for f in flavors["data"]
        ]  # the controller, through the simulator
        accountant = re.search(r"cloudaccountant\s+(http://\S+)", output).group(1)
        usage = requests.get(
            accountant + "server-instance",
            params={"start_date": "2026-01-01", "end_date": "2026-01-31"},
            headers=headers,
            timeout=10,
        ).json()
        assert usage["success"] is True
        sim = re.search(r"openstack \(sim\)\s+(http://\S+)", output).group(1)
        assert requests.get(sim, timeout=10).status_code in (200, 300)
        assert (tmp_path / "cloudauth.sqlite").exists() and (
            tmp_path / "openstack-sim.sqlite"
        ).exists()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
