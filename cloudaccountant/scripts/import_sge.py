"""``import_sge <ini> <START DATE> <END DATE>``: import SGE jobs that ended in the range.

Reads the accounting file at each ``sqlalchemy.cloud.<id>.sge.path`` (local or ssh://).

Re-running over the same dates modifies rows, never duplicates them. Each rejected line is
reported on stderr as ``file:line: reason``; the exit status is then 1.
"""

from __future__ import annotations

import sys

from cloudaccountant.scripts import _jobs
from common.console import console_script


@console_script("import_sge")
def main(argv=None) -> int:
    return _jobs.main("sge", "import_sge", __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
