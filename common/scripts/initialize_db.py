"""What every ``initialize_<app>_db <ini> [--upgrade]`` does, in one place.

It reads the app's ``.ini`` and its settings as the app would (a setting the app refuses stops
the script with one line), then creates the schema with Alembic on an empty database. On a
database already at the newest revision it changes nothing and says so (exit 0: a second run
of the set-up is harmless); an older schema, or a database holding other tables, is left alone
unless ``--upgrade`` asks to migrate it: a wrong URL (another app's database) is never migrated
by mistake. Exit status: 0 done, 1 refused or a database error, 2 a bad command line or ``.ini``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from pyramid.paster import get_appsettings
from sqlalchemy import inspect
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from common.db import make_engine
from common.migrations import current_revision, head_revision, upgrade
from common.settings import ConfigError

# The app's settings parsed from the raw ``[app:main]`` dict, reduced to its database's URL.
DatabaseUrl = Callable[[dict[str, str]], str]


def _fail(prog: str, message: str, status: int = 2) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
    return status


def initialize(package: str, prog: str, database_url: DatabaseUrl, argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=f"Create the {package} schema (Alembic) on an empty database; "
        "with --upgrade, migrate an initialised one to the newest schema.",
    )
    parser.add_argument("ini", help=f"{package}.ini")
    parser.add_argument(
        "--upgrade", action="store_true", help="upgrade an initialised schema to the newest one"
    )
    args = parser.parse_args(argv)
    try:
        raw = dict(get_appsettings(args.ini, "main"))
    except (FileNotFoundError, LookupError, ValueError) as exc:
        return _fail(prog, f"cannot read {args.ini}: {exc}")
    try:
        url = database_url(raw)
        engine = make_engine({"sqlalchemy.url": url})
    except ConfigError as exc:
        return _fail(prog, f"{args.ini}: {exc}")
    except (ArgumentError, NoSuchModuleError) as exc:
        return _fail(prog, f"{args.ini}: the database URL cannot be used: {exc}")
    try:
        before = current_revision(package, engine)
        tables = inspect(engine).get_table_names()
        if not args.upgrade and before is not None and before == head_revision(package):
            # Re-running the set-up (a configuration tool's second pass) is not an error.
            print(f"{package} schema at {before}: already initialised and up to date")
            return 0
        if not args.upgrade and (before is not None or tables):
            what = f"at revision {before}" if before else f"it holds {len(tables)} tables"
            return _fail(
                prog,
                f"the database is already initialised ({what}); nothing was changed "
                "(use --upgrade to migrate it to the newest schema)",
                1,
            )
        upgrade(package, engine)
        after = current_revision(package, engine)
    except OperationalError as exc:
        return _fail(prog, f"database error: {exc.orig}", 1)
    finally:
        engine.dispose()
    print(f"{package} schema at {after} (was {before or 'empty'})")
    return 0


def sqlalchemy_url(raw: dict[str, str]) -> str:
    """``sqlalchemy.url``, for the apps whose settings object does not carry it."""
    url = (raw.get("sqlalchemy.url") or "").strip()
    if not url:
        raise ConfigError("setting sqlalchemy.url is required")
    return url
