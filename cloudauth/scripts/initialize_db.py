"""``initialize_cloudauth_db <ini>``: create (or upgrade) the Cloud Auth schema with Alembic,
seeding the roles, permissions and the initial superuser admin / Penguin."""

from __future__ import annotations

import argparse
import sys

from pyramid.paster import get_appsettings
from sqlalchemy.exc import OperationalError

from common.db import make_engine
from common.migrations import current_revision, upgrade


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ini")
    args = parser.parse_args(argv)
    try:
        settings = get_appsettings(args.ini, "main")
    except (FileNotFoundError, LookupError) as exc:
        print(f"initialize_cloudauth_db: cannot read {args.ini}: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings)
    try:
        before = current_revision("cloudauth", engine)
        upgrade("cloudauth", engine)
        after = current_revision("cloudauth", engine)
    except OperationalError as exc:
        print(f"initialize_cloudauth_db: database error: {exc.orig}", file=sys.stderr)
        return 1
    print(f"cloudauth schema at {after} (was {before or 'empty'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
