"""``initialize_cloudcontroller_db <ini>``: create (or upgrade) the Cloud Controller schema."""

import sys

from common.console import console_script
from common.scripts.initialize_db import initialize


@console_script("initialize_cloudcontroller_db")
def main(argv=None) -> int:
    return initialize("cloudcontroller", argv)


if __name__ == "__main__":
    sys.exit(main())
