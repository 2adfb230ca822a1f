"""``initialize_cloudportal_db <ini> [--upgrade]``: create the portal's schema with Alembic on
an empty database named by ``sqlalchemy.url`` (``--upgrade`` migrates an initialised one)."""

import sys

from cloudportal.settings import PortalSettings
from common.console import console_script
from common.scripts.initialize_db import initialize


def database_url(raw: dict[str, str]) -> str:
    return PortalSettings.from_raw(raw).db_url


@console_script("initialize_cloudportal_db")
def main(argv=None) -> int:
    return initialize("cloudportal", "initialize_cloudportal_db", database_url, argv)


if __name__ == "__main__":
    sys.exit(main())
