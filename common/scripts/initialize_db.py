"""Create or upgrade one app's schema with Alembic, from its .ini (``initialize_<app>_db``)."""

from __future__ import annotations

import argparse
import sys

from pyramid.paster import get_appsettings
from sqlalchemy.exc import OperationalError

from common.db import make_engine
from common.migrations import current_revision, upgrade


def initialize(package: str, argv=None) -> int:
    command = f"initialize_{package}_db"
    parser = argparse.ArgumentParser(
        prog=command, description=f"Create or upgrade the {package} schema."
    )
    parser.add_argument("ini")
    args = parser.parse_args(argv)
    try:
        settings = get_appsettings(args.ini, "main")
    except (FileNotFoundError, LookupError) as exc:
        print(f"{command}: cannot read {args.ini}: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings)
    try:
        before = current_revision(package, engine)
        upgrade(package, engine)
        after = current_revision(package, engine)
    except OperationalError as exc:
        print(f"{command}: database error: {exc.orig}", file=sys.stderr)
        return 1
    print(f"{package} schema at {after} (was {before or 'empty'})")
    return 0
