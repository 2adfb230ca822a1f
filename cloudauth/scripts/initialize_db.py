"""``initialize_cloudauth_db <ini>``: create (or upgrade) the Cloud Auth schema with Alembic,
seeding the roles, permissions and the initial superuser admin / Penguin."""

import sys

from common.console import console_script
from common.scripts.initialize_db import initialize


@console_script("initialize_cloudauth_db")
def main(argv=None) -> int:
    return initialize("cloudauth", argv)


if __name__ == "__main__":
    sys.exit(main())
