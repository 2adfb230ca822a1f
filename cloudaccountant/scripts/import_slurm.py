"""``import_slurm <ini> <START DATE> <END DATE>``: import Slurm jobs that ended in the range.

Runs ``sacct`` on each ``sqlalchemy.cloud.<id>.slurm.server`` (ssh:// or local).

Re-running over the same dates modifies rows, never duplicates them. Each rejected line is
reported on stderr as ``file:line: reason``; the exit status is then 1.
"""

from __future__ import annotations

import sys

from cloudaccountant.scripts import _jobs
from common.console import console_script


@console_script("import_slurm")
def main(argv=None) -> int:
    return _jobs.main("slurm", "import_slurm", __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
