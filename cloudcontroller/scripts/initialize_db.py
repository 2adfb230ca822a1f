"""``initialize_cloudcontroller_db <ini> [--upgrade]``: create the Cloud Controller schema with
Alembic on an empty database (``--upgrade`` migrates an initialised one)."""

import sys

from cloudcontroller.settings import ControllerSettings
from common.console import console_script
from common.scripts.initialize_db import initialize, sqlalchemy_url


def database_url(raw: dict[str, str]) -> str:
    ControllerSettings.from_raw(raw)  # a setting the app would refuse stops the script too
    return sqlalchemy_url(raw)


@console_script("initialize_cloudcontroller_db")
def main(argv=None) -> int:
    return initialize("cloudcontroller", "initialize_cloudcontroller_db", database_url, argv)


if __name__ == "__main__":
    sys.exit(main())
