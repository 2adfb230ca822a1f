"""``record_user_storage <ini> [<pool mount path>]``: record each user's bytes used in the shared
pool for today (seed 1.9.9). Without a path: ``user_storage.pool`` (or, when only $HOME storage is
managed, ``storage.<driver>.root``); with the storage driver off, name the pool's mount path."""

from __future__ import annotations

import argparse
import sys
import time

from pyramid.paster import get_appsettings
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from cloudcontroller.accounts.unix import UnixAccounts
from cloudcontroller.meta import utcnow
from cloudcontroller.settings import ControllerSettings
from cloudcontroller.user_storage import services
from common.console import console_script
from common.db import make_engine


@console_script("record_user_storage")
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ini")
    parser.add_argument("pool", nargs="?")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        raw = get_appsettings(args.ini, "main")
    except (FileNotFoundError, LookupError) as exc:
        print(f"record_user_storage: cannot read {args.ini}: {exc}", file=sys.stderr)
        return 2
    settings = ControllerSettings.from_raw(dict(raw))
    us = settings.user_storage
    pool = args.pool or us.pool or (settings.storage.root if settings.storage.enabled else None)
    if not pool:
        print(
            "record_user_storage: no pool: set user_storage.pool or name its mount path",
            file=sys.stderr,
        )
        return 2
    engine = make_engine(raw)
    started = time.monotonic()
    try:
        # The scan runs outside any transaction: a long walk never holds the database.
        if us.usage_report and not args.pool:
            usage = services.usage_from_report(us)
        else:
            names = {}
            if settings.users.manages_unix:
                names = {u[0]: n for n, u in UnixAccounts(settings.users).users().items()}
            with Session(engine) as db:
                names.update(services.known_uids(db))
            usage = services.usage_by_name(pool, args.workers or us.scan_workers, names)
        scanned = time.monotonic()
        with Session(engine) as db, db.begin():
            count = services.UserStorageService(db, us, utcnow).record(pool, usage)
    except OperationalError as exc:
        print(f"record_user_storage: database error: {exc.orig}", file=sys.stderr)
        return 1
    done = time.monotonic()
    print(
        f"recorded {count} users' usage of {pool}: scan {scanned - started:.2f}s, "
        f"database {done - scanned:.2f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
