"""``scm-demo``: the whole system on its embedded default, in one process.

The OpenStack simulator and each built service (from its ``ini/demo/<app>.ini``) run on their own
loopback ports, with SQLite and the in-process cache. Databases are migrated on start; state
lives in ``var/demo/`` (``--var-dir``). The portal's mail (registration and password links)
goes to an SMTP sink on loopback (aiosmtpd) that keeps each message as a file in
``var/demo/mail/new``; ``--smtp-port`` sends it to an SMTP server already listening on the host
instead. Stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import configparser
import logging
import signal
import sys
import threading
import warnings
from pathlib import Path

# Pyramid 2.0 imports pkg_resources (pyramid/path.py, pyramid/asset.py), and setuptools now
# warns on that import. The warning is about Pyramid's code, not ours, and nothing here can act
# on it: silenced for exactly that message from exactly those modules, before they load.
warnings.filterwarnings(
    "ignore",
    message="pkg_resources is deprecated as an API",
    category=UserWarning,
    module=r"pyramid\.",
)

from pyramid.paster import get_app  # noqa: E402
from waitress.server import create_server  # noqa: E402

from common.console import console_script  # noqa: E402
from common.migrations import upgrade  # noqa: E402
from common.settings import ConfigError  # noqa: E402
from scmdemo.demo_logging import serving, setup_logging, tagged  # noqa: E402

# (app package, port) of the services, in start order (seed 1.19.1's HA ports); the portal last,
# as it is a client of the others.
SERVICES = [
    ("cloudauth", 7691),
    ("cloudcontroller", 7693),
    ("cloudaccountant", 7692),
    ("cloudportal", 7690),
]
SIMULATOR_PORT = 7695
MAIL_PORT = 7696


class _MailSink:
    """aiosmtpd on loopback keeping every message in a Maildir (``<var>/mail``)."""

    def __init__(self, host: str, port: int, maildir: Path):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox

        # Maildir makes its tmp/new/cur only when it creates the directory itself.
        maildir.parent.mkdir(parents=True, exist_ok=True)
        # aiosmtpd logs every SMTP command at INFO: keep the portal's log about the portal.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.controller = Controller(Mailbox(str(maildir)), hostname=host, port=port)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


def _serve(app, host: str, port: int, name: str):
    server = create_server(
        app, asyncore_use_poll=True, host=host, port=port, threads=8, ident=f"scm-{name}"
    )
    threading.Thread(target=server.run, name=name, daemon=True).start()
    return server


def _register_controller(auth_app, controller_settings) -> None:
    """The controller's Cloud Auth account (its demo key from the controller's .ini) and
    cloud controller 1 in Cloud Auth's registry, as an operator would with
    ``cloudauth-service-account``."""
    from pyramid.scripting import prepare

    from cloudauth.bootstrap import Installation

    link = controller_settings.cloudauth
    env = prepare(registry=auth_app.registry)
    try:
        request = env["request"]
        with request.tm:
            installation = request.find_service(Installation)
            installation.ensure_service_account(
                "cloudcontroller@localhost", "cloudcontroller_admin", link.api_key, link.api_secret
            )
            installation.ensure_cloud_controller(controller_settings.cloud_controller_id, "demo")
    finally:
        env["closer"]()


def _start_worker(controller_app, stop: threading.Event) -> None:
    """The controller worker, as a thread of the launcher (production runs
    ``cloudcontroller-worker`` processes)."""
    from cloudcontroller.instances.worker import run_worker

    def work():
        with serving("cloudcontroller"):
            run_worker(controller_app.registry, stop, "demo-worker")

    threading.Thread(
        target=work,
        name="worker",
        daemon=True,
    ).start()


def _unix_root(var: Path) -> None:
    """The demo's own UNIX system (``users.root``) and ``$HOME`` root: the controller's local
    driver adds accounts to ``var/sysroot/etc/passwd`` (shadow tools run with ``--prefix``), never
    to this host's, and makes homes under ``var/home``."""
    etc = var / "sysroot" / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    first = {"passwd": "root:x:0:0:root:/root:/bin/bash\n", "group": "root:x:0:\n"}
    for name in ("passwd", "group", "shadow", "gshadow"):
        if not (etc / name).exists():
            (etc / name).write_text(first.get(name, ""))
    (var / "home").mkdir(exist_ok=True)


def _start_all(args, ini_dir: Path, var: Path, stop: threading.Event) -> tuple[list, list]:
    """Start everything; on a failure close what started and raise SystemExit with one line."""
    from openstack_simulator import make_app
    from openstack_simulator.cli import open_store
    from openstack_simulator.seed import seed_workstation_image

    servers, lines = [], []
    _unix_root(var)

    def fail(what: str, port: int, exc: OSError):
        for server in servers:
            server.close()
        raise SystemExit(f"scm-demo: cannot start {what} on {args.host}:{port}: {exc.strerror}")

    # The demo also shows a Scyld Cloud Workstation image (SCW Login, docs/scw.md).
    seed_workstation_image(open_store(str(var / "openstack-sim.sqlite")))
    port = SIMULATOR_PORT + args.port_offset
    try:
        servers.append(
            _serve(make_app(str(var / "openstack-sim.sqlite")), args.host, port, "openstack-sim")
        )
    except OSError as exc:
        fail("the OpenStack simulator", port, exc)
    lines.append(
        f"{'openstack (sim)':16s} http://{args.host}:{port}/identity/v3 "
        "(admin / admin-password, project scm)"
    )
    mail_port = args.smtp_port
    if mail_port is None:
        mail_port = MAIL_PORT + args.port_offset
        try:
            servers.append(_MailSink(args.host, mail_port, var / "mail"))
        except (OSError, RuntimeError) as exc:
            fail("the mail sink", mail_port, OSError(0, getattr(exc, "strerror", None) or str(exc)))
        lines.append(
            f"{'mail (sink)':16s} smtp://{args.host}:{mail_port} -> {var / 'mail' / 'new'}"
        )
    # The demo .ini files keep databases and logs under %(var)s and find each other by port.
    options = {
        "portal_port": str(7690 + args.port_offset),
        "mail_port": str(mail_port),
        "var": str(var),
        "auth_port": str(7691 + args.port_offset),
        "openstack_port": str(SIMULATOR_PORT + args.port_offset),
        "controller_port": str(7693 + args.port_offset),
        "accountant_port": str(7692 + args.port_offset),
    }
    inis = {package: str(ini_dir / f"{package}.ini") for package, _ in SERVICES}
    # One logging set-up for all: each service's records go to its own .ini's files.
    setup_logging(inis, options)
    apps = {}
    for package, base_port in SERVICES:
        port = base_port + args.port_offset
        with serving(package):
            try:
                app = apps[package] = get_app(inis[package], "main", options=options)
            except (SystemExit, ConfigError, configparser.Error):  # one line (common.console)
                for server in servers:
                    server.close()
                raise
            upgrade(package, app.registry["scm.db_engine"])
            if package == "cloudcontroller":
                _register_controller(apps["cloudauth"], app.registry["scm.settings"])
                _start_worker(app, stop)
        try:
            servers.append(_serve(tagged(app, package), args.host, port, package))
        except OSError as exc:
            fail(package, port, exc)
        lines.append(f"{package:16s} http://{args.host}:{port}/")
    return servers, lines


@console_script("scm-demo")
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ini-dir", default="ini/demo", help="where the demo .ini files are")
    parser.add_argument("--var-dir", default="var/demo", help="where the demo keeps its state")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port-offset", type=int, default=0, help="added to every port")
    parser.add_argument(
        "--smtp-port",
        type=int,
        default=None,
        help="send the portal's mail to the SMTP server on this loopback port instead of the "
        "demo's own sink",
    )
    args = parser.parse_args(argv)
    ini_dir = Path(args.ini_dir).resolve()
    if not ini_dir.is_dir():
        print(f"scm-demo: no directory {ini_dir}; run from the project checkout", file=sys.stderr)
        return 2
    var = Path(args.var_dir).resolve()
    var.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    servers, lines = _start_all(args, ini_dir, var, stop)
    auth = f"http://{args.host}:{7691 + args.port_offset}"
    print(
        f"Open the portal: http://{args.host}:{7690 + args.port_offset}/ and log in as "
        "admin / Penguin (you will be asked to change it).\n",
        flush=True,
    )
    print("\n".join(lines))
    print(
        "\nSCM is up. API clients log in the same way and call the controller with the token:\n"
        f"  curl -X POST -d username=admin -d password=Penguin {auth}/auth/login\n"
        f"  curl -H 'X-Auth-Token: <token>' -H 'X-Auth-Cloudauth-Id: <userid>' "
        f"http://{args.host}:{7693 + args.port_offset}/server-flavor\n"
        "Stop with Ctrl-C.",
        flush=True,
    )
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
