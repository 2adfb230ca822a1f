"""``initialize_cloudportal_db <ini>``: create (or with --upgrade, migrate) the portal's schema
with Alembic on the database named by ``sqlalchemy.url``."""

from __future__ import annotations

import argparse
import sys

from pyramid.paster import get_appsettings
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from cloudportal.settings import PortalSettings
from common.db import make_engine
from common.migrations import current_revision, upgrade
from common.settings import ConfigError

PROG = "initialize_cloudportal_db"


def _fail(message: str, status: int = 2) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("ini")
    parser.add_argument(
        "--upgrade", action="store_true", help="upgrade an initialised schema to the newest one"
    )
    args = parser.parse_args(argv)
    try:
        settings = PortalSettings.from_raw(dict(get_appsettings(args.ini, "main")))
    except (FileNotFoundError, LookupError, ValueError) as exc:
        return _fail(f"cannot read {args.ini}: {exc}")
    except ConfigError as exc:
        return _fail(f"{args.ini}: {exc}")
    engine = make_engine({"sqlalchemy.url": settings.db_url})
    try:
        before = current_revision("cloudportal", engine)
        tables = inspect(engine).get_table_names()
        if not args.upgrade and (before is not None or tables):
            what = f"at revision {before}" if before else f"it holds {len(tables)} tables"
            return _fail(
                f"the database is already initialised ({what}); nothing was changed "
                "(use --upgrade to migrate it to the newest schema)",
                1,
            )
        upgrade("cloudportal", engine)
        after = current_revision("cloudportal", engine)
    except OperationalError as exc:
        return _fail(f"database error: {exc.orig}", 1)
    finally:
        engine.dispose()
    print(f"cloudportal schema at {after} (was {before or 'empty'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
