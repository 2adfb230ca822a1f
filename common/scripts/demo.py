"""``scm-demo``: the whole system on its embedded default, in one process.

The OpenStack simulator and each built service (from its ``ini/demo/<app>.ini``) run on their own
loopback ports, with SQLite and the in-process cache. Databases are migrated on start; state
lives in ``var/demo/`` (``--var-dir``). Stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from pyramid.paster import get_app, setup_logging
from waitress.server import create_server

from common.migrations import upgrade

# (app package, port) of the services built so far, in start order (seed 1.19.1's HA ports).
SERVICES = [("cloudauth", 7691)]
SIMULATOR_PORT = 7695


def _serve(app, host: str, port: int, name: str):
    server = create_server(app, host=host, port=port, threads=8, ident=f"scm-{name}")
    threading.Thread(target=server.run, name=name, daemon=True).start()
    return server


def _start_all(args, ini_dir: Path, var: Path) -> list:
    """Start everything; on a failure close what started and raise SystemExit with one line."""
    from openstack_simulator import make_app

    servers = []

    def fail(what: str, port: int, exc: OSError):
        for server in servers:
            server.close()
        raise SystemExit(f"scm-demo: cannot start {what} on {args.host}:{port}: {exc.strerror}")

    port = SIMULATOR_PORT + args.port_offset
    try:
        servers.append(
            _serve(make_app(str(var / "openstack-sim.sqlite")), args.host, port, "openstack-sim")
        )
    except OSError as exc:
        fail("the OpenStack simulator", port, exc)
    print(
        f"{'openstack (sim)':16s} http://{args.host}:{port}/identity/v3 "
        "(admin / admin-password, project scm)"
    )
    for package, base_port in SERVICES:
        port = base_port + args.port_offset
        ini = str(ini_dir / f"{package}.ini")
        options = {"var": str(var)}  # the demo .ini files keep databases and logs under %(var)s
        setup_logging(ini, options)
        app = get_app(ini, "main", options=options)
        upgrade(package, app.registry["scm.db_engine"])
        try:
            servers.append(_serve(app, args.host, port, package))
        except OSError as exc:
            fail(package, port, exc)
        print(f"{package:16s} http://{args.host}:{port}/")
    return servers


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ini-dir", default="ini/demo", help="where the demo .ini files are")
    parser.add_argument("--var-dir", default="var/demo", help="where the demo keeps its state")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port-offset", type=int, default=0, help="added to every port")
    args = parser.parse_args(argv)
    ini_dir = Path(args.ini_dir).resolve()
    if not ini_dir.is_dir():
        print(f"scm-demo: no directory {ini_dir}; run from the project checkout", file=sys.stderr)
        return 2
    var = Path(args.var_dir).resolve()
    var.mkdir(parents=True, exist_ok=True)
    servers = _start_all(args, ini_dir, var)
    auth = f"http://{args.host}:{7691 + args.port_offset}"
    print(
        "\nScyld Cloud Auth is up. Log in as admin / Penguin (you will be asked to change it):\n"
        f"  curl -X POST -d username=admin -d password=Penguin {auth}/auth/login\n"
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
    sys.exit(main())
