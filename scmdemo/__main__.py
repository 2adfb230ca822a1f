"""``python -m scmdemo``: the same as ``scm-demo``."""

import sys

from scmdemo.launcher import main

sys.exit(main())
