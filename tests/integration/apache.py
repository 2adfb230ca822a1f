"""Run a Cloud Auth under real Apache + mod_wsgi (mod_wsgi-express) on loopback, for the Apache
tier and for bench/. Needs Debian's apache2 + apache2-dev and ``pip install mod-wsgi`` (CI does);
as root the workers run as www-data, which must be able to read this Python (``chmod o+x /root``
for a pyenv Python) and the repository."""

from __future__ import annotations

import contextlib
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


# The shipped HA vhosts (deploy/apache/ha/) under mod_wsgi-express: express gives a working
# Apache (modules, MPM, user); the vhosts are included as shipped, with only their paths and
# ports moved under a temporary directory.
HA_PORTS = {
    "cloudportal": 7690,
    "cloudauth": 7691,
    "cloudaccountant": 7692,
    "cloudcontroller": 7693,
}
PING = (
    "def application(environ, start_response):\n"
    "    start_response('200 OK', [])\n"
    "    return [b'ok']\n"
)


def shipped_vhost(app: str, port: int, wsgi_dir: Path, log_dir: Path) -> str:
    text = (REPO / "deploy" / "apache" / "ha" / f"{app}.conf").read_text()
    home = f"/var/www/wsgi/{app}/env"
    assert home in text and f"Listen {HA_PORTS[app]}" in text, f"{app}.conf changed shape"
    text = text.replace(home, f"{sys.prefix} python-path={REPO}")
    text = text.replace(f"Listen {HA_PORTS[app]}", f"Listen 127.0.0.1:{port}")
    text = text.replace(f"*:{HA_PORTS[app]}", f"127.0.0.1:{port}")
    text = text.replace(f"/var/www/wsgi/{app}", str(wsgi_dir))
    return text.replace(f"/var/log/httpd/{app}", str(log_dir))


@dataclass
class ScmApache:
    """One SCM "host": an Apache serving some of the four apps on their own ports."""

    root: Path
    urls: dict[str, str]
    wsgi_dirs: dict[str, Path]

    @property
    def pid(self) -> int | None:
        try:
            return int((self.root / "httpd" / "httpd.pid").read_text())
        except (OSError, ValueError):
            return None

    def start(self) -> None:
        subprocess.run(
            [str(self.root / "httpd" / "apachectl"), "start"], capture_output=True, timeout=30
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        pending = dict(self.urls)
        while pending and time.monotonic() < deadline:
            for app, url in list(pending.items()):
                try:
                    with urllib.request.urlopen(url + READY_PATHS[app], timeout=5):  # noqa: S310
                        del pending[app]
                except OSError:
                    pass
            if pending:
                time.sleep(0.2)
        if pending:
            logs = ""
            for app in pending:
                log = self.root / "logs" / app / "error.log"
                if log.exists():
                    logs += f"--- {app}\n" + log.read_text(errors="replace")[-1500:]
            raise RuntimeError(f"Apache at {self.root} did not serve {sorted(pending)}:\n{logs}")

    def kill9(self) -> None:
        """The host dies: Apache's parent and every child and daemon process, at once."""
        pid = self.pid
        if pid is None:
            return
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
        for p in [pid, *map(int, children)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, 9)
        (self.root / "httpd" / "httpd.pid").unlink(missing_ok=True)

    def stop(self, remove: bool = True) -> None:
        subprocess.run(
            [str(self.root / "httpd" / "apachectl"), "stop"], capture_output=True, timeout=30
        )
        deadline = time.monotonic() + 15
        while self.pid is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)


# A cheap GET per app that needs no database (also HAProxy's health checks).
READY_PATHS = {
    "cloudportal": "/login",
    "cloudauth": "/",
    "cloudaccountant": "/openapi.json",
    "cloudcontroller": "/",
}


def setup_scm_apache(inis: dict[str, str], root: Path | None = None, threads: int = 4) -> ScmApache:
    """Set up (not start) an Apache serving each app in ``inis`` (app -> .ini text) with the
    shipped .wsgi file and HA vhost, each on a free port."""
    root = root or Path(tempfile.mkdtemp(prefix="scm-host-"))
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    include, urls, dirs = [], {}, {}
    for app, ini in inis.items():
        wsgi_dir = root / "wsgi" / app
        log_dir = root / "logs" / app
        wsgi_dir.mkdir(parents=True)
        log_dir.mkdir(parents=True)
        wsgi_dir.chmod(0o777)  # the app's own log file is written by www-data
        shutil.copy(REPO / "deploy" / "apache" / f"{app}.wsgi", wsgi_dir / f"{app}.wsgi")
        (wsgi_dir / f"{app}.ini").write_text(ini)
        port = free_port()
        text = shipped_vhost(app, port, wsgi_dir, log_dir)
        include.append(text.replace("processes=4 threads=8", f"processes=1 threads={threads}"))
        urls[app], dirs[app] = f"http://127.0.0.1:{port}", wsgi_dir
    # The distributions' httpd.conf defines "combined", which the vhosts use; express does not.
    combined = (
        'LogFormat "%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined'
    )
    (root / "vhosts.conf").write_text("\n".join([combined, *include]))
    (root / "ping.wsgi").write_text(PING)
    args = [
        str(Path(sys.executable).with_name("mod_wsgi-express")),
        "setup-server",
        str(root / "ping.wsgi"),
        "--host", "127.0.0.1",
        "--port", str(free_port()),
        "--server-root", str(root / "httpd"),
        "--processes", "1",
        "--threads", "2",
        "--locale", "C.UTF-8",
        "--include-file", str(root / "vhosts.conf"),
    ]  # fmt: skip
    if os.geteuid() == 0:
        args += ["--user", "www-data", "--group", "www-data"]
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    return ScmApache(root, urls, dirs)
