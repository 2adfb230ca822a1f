"""Which accounting files to read for a date range.

PBS keeps one file per day (``YYYYMMDD``, the server's local date): given a directory, the files
of the range are read, with a day's margin either side for time zones. SGE and UGE keep one
``accounting`` file (rotated copies may be gzipped): given a directory, every file in it is read.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re

from cloudaccountant.importing.sources import SourceError

_PBS_DAY = re.compile(r"^\d{8}$")


def log_files(source, path: str, kind: str, first: dt.date, last: dt.date) -> list[str]:
    if not path:
        raise SourceError(f"{source.label}: no path to the {kind} accounting files")
    names = source.listdir(path)
    if names is None:
        return [path]
    if kind == "pbs":
        low = (first - dt.timedelta(days=1)).strftime("%Y%m%d")
        high = (last + dt.timedelta(days=1)).strftime("%Y%m%d")
        names = [n for n in names if _PBS_DAY.match(n) and low <= n <= high]
    else:
        names = [n for n in names if not n.startswith(".")]
    return [posixpath.join(path, n) for n in names]
