"""``scm-demo``: the whole system on its embedded default, in one process.

Each built service runs from its ``ini/demo/<app>.ini`` on its own loopback port (SQLite, the
in-process cache). Databases are migrated on start. Stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from pyramid.paster import get_app, setup_logging
from waitress.server import create_server

from common.migrations import upgrade

# (app package, port) of the services built so far, in start order.
SERVICES = [("cloudauth", 7691)]


def _start(ini: Path, package: str, port: int, host: str):
    app = get_app(str(ini), "main")
    engine = app.registry["scm.db_engine"]
    upgrade(package, engine)
    server = create_server(app, host=host, port=port, threads=8, ident=f"scm-{package}")
    thread = threading.Thread(target=server.run, name=package, daemon=True)
    thread.start()
    return server, app


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ini-dir", default="ini/demo", help="where the demo .ini files are")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    ini_dir = Path(args.ini_dir).resolve()
    if not ini_dir.is_dir():
        print(f"scm-demo: no directory {ini_dir}; run from the project checkout", file=sys.stderr)
        return 2
    (ini_dir / ".." / ".." / "var" / "demo").resolve().mkdir(parents=True, exist_ok=True)
    servers = []
    for package, port in SERVICES:
        ini = ini_dir / f"{package}.ini"
        setup_logging(str(ini))
        try:
            server, _app = _start(ini, package, port, args.host)
        except OSError as exc:
            print(
                f"scm-demo: cannot start {package} on {args.host}:{port}: {exc.strerror}",
                file=sys.stderr,
            )
            for s in servers:
                s.close()
            return 1
        servers.append(server)
        print(f"{package:16s} http://{args.host}:{port}/", flush=True)
    print(
        "\nScyld Cloud Auth is up. Log in as admin / Penguin (you will be asked to change it):\n"
        f"  curl -X POST -d username=admin -d password=Penguin http://{args.host}:7691/auth/login\n"
        "Stop with Ctrl-C.",
        flush=True,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.close()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
