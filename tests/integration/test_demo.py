"""The README's first command: ``scm-demo`` starts the system and prints where to log in."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.live import free_demo_offset

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``scm-demo`` running on free ports: ``(its output up to the login hint, its var dir)``;
    stopped (and its exit status checked) after the module's tests."""
    var = tmp_path_factory.mktemp("demo")
    offset = free_demo_offset()
    scm_demo = Path(sys.executable).with_name("scm-demo")
    process = subprocess.Popen(
        [str(scm_demo), "--var-dir", str(var), "--port-offset", str(offset)],
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
        yield "".join(lines), var
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def _login(output: str) -> dict:
    login_url = re.search(r"(http://\S+/auth/login)", output).group(1)
    body = requests.post(
        login_url, data={"username": "admin", "password": "Penguin"}, timeout=10
    ).json()
    assert body["success"] and len(body["authentication_token"]) == 32
    return {
        "X-Auth-Token": body["authentication_token"],
        "X-Auth-Cloudauth-Id": body["data"]["userid"],
    }


def test_demo_starts_prints_the_login_and_stops_cleanly(demo):
    output, var = demo
    assert "admin / Penguin" in output, output
    assert "Warning" not in output, output
    # The portal's URL is the first line, and it serves its login page.
    portal = re.match(r"Open the portal: (http://\S+/) ", output.splitlines()[0]).group(1)
    assert "Log in" in requests.get(portal + "login", timeout=10).text
    headers = _login(output)
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
    assert (var / "cloudauth.sqlite").exists() and (var / "openstack-sim.sqlite").exists()


SERVICES = ("cloudauth", "cloudcontroller", "cloudaccountant")


def _access_lines(log: Path) -> list[dict]:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return [line for line in lines if line.get("logger") == "scm.access"]


def test_each_service_logs_to_its_own_file(demo):
    """Issue 16, item 5: the three services run in one process, yet each one's records go to
    the file its own .ini names, and only there."""
    output, var = demo
    headers = _login(output)
    for name, path in (("cloudcontroller", "server-flavor"), ("cloudaccountant", "job")):
        base = re.search(rf"{name}\s+(http://\S+)", output).group(1)
        requests.get(base + path + "?marker=" + name, headers=headers, timeout=10)
    time.sleep(0.2)  # the access line is written as the response goes out
    for name in SERVICES:
        access = _access_lines(var / f"{name}.log")
        assert access, f"{name}.log has no access lines"
        assert {line["app"] for line in access} == {name}, name
    paths = {name: {a["path"] for a in _access_lines(var / f"{name}.log")} for name in SERVICES}
    assert "/auth/login" in paths["cloudauth"]
    assert "/server-flavor" in paths["cloudcontroller"]
    assert "/job" in paths["cloudaccountant"]


def test_a_bad_setting_stops_the_demo_with_one_line(tmp_path):
    """Issue 16, item 6: a ConfigError at start-up is one line naming the setting."""
    ini_dir = tmp_path / "ini"
    ini_dir.mkdir()
    for ini in (REPO / "ini" / "demo").glob("*.ini"):
        text = ini.read_text()
        if ini.name == "cloudcontroller.ini":
            text = text.replace("cloud_controller_id = 1", "cloud_controller_id = zero", 1)
        (ini_dir / ini.name).write_text(text)
    scm_demo = Path(sys.executable).with_name("scm-demo")
    argv = ["--ini-dir", str(ini_dir), "--var-dir", str(tmp_path / "var")]
    done = subprocess.run(
        [str(scm_demo), *argv, "--port-offset", str(free_demo_offset())],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.strip().splitlines()[-1] == (
        "scm-demo: cloudcontroller: setting cloud_controller_id must be a whole number, not 'zero'"
    )


def test_the_launcher_runs_as_a_module_outside_common():
    """The launcher imports every app, so it is its own package (``common/`` imports no app)."""
    done = subprocess.run(
        [sys.executable, "-m", "scmdemo", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "--port-offset" in done.stdout
    assert not (REPO / "common" / "scripts" / "demo.py").exists()


def test_the_portals_mail_lands_in_the_demos_maildir(demo):
    """The registration mail goes to the demo's own SMTP sink and is kept in var/mail/new."""
    import mailbox

    output, var = demo
    portal = re.search(r"^cloudportal\s+(http://\S+)", output, re.M).group(1).rstrip("/")
    assert re.search(r"^mail \(sink\)\s+smtp://127\.0\.0\.1:\d+", output, re.M)
    browser = requests.Session()
    page = browser.get(portal + "/register", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sent = browser.post(
        portal + "/register",
        data={"csrf_token": csrf, "email": "demo.visitor@example.edu"},
        timeout=10,
    )
    assert sent.status_code == 200 and "Check your mail" in sent.text
    deadline = time.monotonic() + 15
    while True:
        box = mailbox.Maildir(str(var / "mail"), create=False)
        found = [m for m in box if m["To"] == "demo.visitor@example.edu"]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(found) == 1
    link = re.search(r"(http://\S+/register/\S+)", found[0].get_payload()).group(1)
    assert link.startswith(portal + "/register/")
    assert "Finish registering" in browser.get(link, timeout=10).text
