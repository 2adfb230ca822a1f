"""``initialize_cloudauth_db <ini> [--upgrade]``: create the Cloud Auth schema with Alembic,
seeding the roles, permissions and the initial superuser admin / Penguin, on an empty database
(``--upgrade`` migrates an initialised one)."""

import sys

from cloudauth.settings import AuthSettings
from common.console import console_script
from common.scripts.initialize_db import initialize, sqlalchemy_url


def database_url(raw: dict[str, str]) -> str:
    AuthSettings.from_raw(raw)  # a setting the app would refuse stops the script too
    return sqlalchemy_url(raw)


@console_script("initialize_cloudauth_db")
def main(argv=None) -> int:
    return initialize("cloudauth", "initialize_cloudauth_db", database_url, argv)


if __name__ == "__main__":
    sys.exit(main())
