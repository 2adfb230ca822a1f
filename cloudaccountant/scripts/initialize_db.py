"""``initialize_accountant_db <ini>``: create the Cloud Accountant schema (Alembic) on an empty
database named by ``sqlalchemy.accountant.url``; refuse on one already initialised."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from cloudaccountant.scripts._cli import UsageError, fail, load_settings
from common.console import console_script
from common.db import make_engine
from common.migrations import current_revision, upgrade

PROG = "initialize_accountant_db"


@console_script("initialize_accountant_db")
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("ini")
    parser.add_argument(
        "--upgrade", action="store_true", help="upgrade an initialised schema to the newest one"
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.ini)
    except UsageError as exc:
        return fail(PROG, str(exc))
    engine = make_engine({"sqlalchemy.url": settings.db_url})
    try:
        before = current_revision("cloudaccountant", engine)
        tables = inspect(engine).get_table_names()
        if not args.upgrade and (before is not None or tables):
            what = f"at revision {before}" if before else f"it holds {len(tables)} tables"
            return fail(
                PROG,
                f"the database is already initialised ({what}); nothing was changed "
                "(use --upgrade to migrate it to the newest schema)",
                1,
            )
        upgrade("cloudaccountant", engine)
        after = current_revision("cloudaccountant", engine)
    except OperationalError as exc:
        return fail(PROG, f"database error: {exc.orig}", 1)
    finally:
        engine.dispose()
    print(f"cloudaccountant schema at {after} (was {before or 'empty'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
