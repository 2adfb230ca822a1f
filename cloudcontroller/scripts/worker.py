"""``cloudcontroller-worker <ini>``: drive every server-instance toward its desired state until
SIGTERM or SIGINT. Run one or more per host; they share the work through row leases."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from pyramid.paster import bootstrap, setup_logging

from cloudcontroller.instances.worker import run_worker
from common.console import console_script


@console_script("cloudcontroller-worker")
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cloudcontroller-worker", description=__doc__)
    parser.add_argument("config_uri", help="cloudcontroller.ini")
    parser.add_argument("--name", help="this worker's lease name (default host:pid:random)")
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    logging.getLogger(__name__).info("starting")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with bootstrap(args.config_uri) as env:
        run_worker(env["registry"], stop, name=args.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
