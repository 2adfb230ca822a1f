"""Run a Cloud Auth under real Apache + mod_wsgi (mod_wsgi-express) on loopback, for the Apache
tier and for bench/. Needs Debian's apache2 + apache2-dev and ``pip install mod-wsgi`` (CI does);
as root the workers run as www-data, which must be able to read this Python (``chmod o+x /root``
for a pyenv Python) and the repository."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def apache_missing() -> str | None:
    express = Path(sys.executable).with_name("mod_wsgi-express")
    if not express.exists():
        return "mod_wsgi-express is not installed in this venv (pip install mod-wsgi)"
    if not shutil.which("apache2") and not Path("/usr/sbin/apache2").exists():
        return "Debian's apache2 is not installed"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ApacheApp:
    url: str
    root: Path
    process: subprocess.Popen

    def stop(self) -> None:
        subprocess.run([str(self.root / "apachectl"), "stop"], capture_output=True, timeout=30)
        pid_file = self.root / "httpd.pid"
        deadline = time.monotonic() + 15
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)


def start_cloudauth_under_apache(
    settings: dict[str, str], processes: int = 2, threads: int = 8, embedded: bool = False
) -> ApacheApp:
    """Write an .ini and .wsgi into a fresh world-readable directory and start Apache on it."""
    root = Path(tempfile.mkdtemp(prefix="scm-apache-"))
    root.chmod(0o777)
    ini = root / "cloudauth.ini"
    lines = ["[app:main]", "use = egg:scm#cloudauth"] + [f"{k} = {v}" for k, v in settings.items()]
    ini.write_text("\n".join(lines) + "\n")
    wsgi = root / "cloudauth.wsgi"
    wsgi.write_text(
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\n"
        "from pyramid.paster import get_app\n"
        f"application = get_app({str(ini)!r}, 'main')\n"
    )
    port = free_port()
    server_root = root / "httpd"
    express = Path(sys.executable).with_name("mod_wsgi-express")
    args = [
        str(express),
        "setup-server",
        str(wsgi),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--server-root",
        str(server_root),
        "--processes",
        str(processes),
        "--threads",
        str(threads),
        "--locale",
        "C.UTF-8",
        "--python-path",
        str(REPO),
    ]
    if embedded:
        args.append("--embedded-mode")
    if os.geteuid() == 0:
        args += ["--user", "www-data", "--group", "www-data"]
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    process = subprocess.Popen(
        [str(server_root / "apachectl"), "start"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    process.wait(timeout=30)
    app = ApacheApp(f"http://127.0.0.1:{port}", server_root, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(app.url + "/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return app
        except OSError:
            time.sleep(0.2)
    log = (
        (server_root / "error_log").read_text(errors="replace")[-2000:]
        if (server_root / "error_log").exists()
        else ""
    )
    app.stop()
    raise RuntimeError(f"Apache did not come up on {app.url}:\n{log}")
