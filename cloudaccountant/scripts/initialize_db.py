"""``initialize_accountant_db <ini> [--upgrade]``: create the Cloud Accountant schema with
Alembic on an empty database named by ``sqlalchemy.accountant.url`` (``--upgrade`` migrates an
initialised one)."""

import sys

from cloudaccountant.settings import AccountantSettings
from common.console import console_script
from common.scripts.initialize_db import initialize


def database_url(raw: dict[str, str]) -> str:
    return AccountantSettings.from_raw(raw).db_url


@console_script("initialize_accountant_db")
def main(argv=None) -> int:
    return initialize("cloudaccountant", "initialize_accountant_db", database_url, argv)


if __name__ == "__main__":
    sys.exit(main())
