"""What the accountant's console scripts share: reading the ``.ini``, dates, reporting."""

from __future__ import annotations

import datetime as dt
import re
import sys

from pyramid.paster import get_appsettings
from sqlalchemy.engine import Engine

from cloudaccountant.settings import AccountantSettings
from common.db import make_engine
from common.settings import ConfigError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Milliseconds an import's write transaction waits for SQLite's write lock; the web apps wait 5 s
# (common.db). Imports run side by side (cron, one per cluster) and each holds the lock for a
# batch of jobs or a day at a time; SQLite's busy handler keeps no queue, so an import may wait
# out several of the others' batches, back to back. A batch job can wait that long; an hour
# still ends one stuck behind a writer that never commits.
IMPORT_BUSY_TIMEOUT_MS = 3_600_000


class UsageError(Exception):
    """Bad input on the command line or in the .ini: one line, exit status 2."""


def load_settings(ini: str) -> AccountantSettings:
    try:
        raw = get_appsettings(ini, "main")
    except (FileNotFoundError, LookupError, ValueError) as exc:
        raise UsageError(f"cannot read {ini}: {exc}") from None
    try:
        return AccountantSettings.from_raw(dict(raw))
    except ConfigError as exc:
        raise UsageError(f"{ini}: {exc}") from None


def import_engine(url: str) -> Engine:
    """The accountant's engine for an import script: the web apps' (``make_engine``), except
    that on SQLite a write waits up to ``IMPORT_BUSY_TIMEOUT_MS`` for the write lock."""
    return make_engine({"sqlalchemy.url": url}, sqlite_busy_ms=IMPORT_BUSY_TIMEOUT_MS)


def parse_date(text: str, what: str) -> dt.date:
    try:
        if not _DATE.match(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what} must be a date YYYY-MM-DD, not {text!r}") from None


def date_range(start: str, end: str) -> tuple[dt.date, dt.date]:
    first, last = parse_date(start, "START DATE"), parse_date(end, "END DATE")
    if last < first:
        raise UsageError("END DATE is before START DATE")
    return first, last


def add_range_arguments(parser) -> None:
    parser.add_argument("ini", help="cloudaccountant.ini")
    parser.add_argument("start", metavar="START_DATE", help="first day, YYYY-MM-DD")
    parser.add_argument("end", metavar="END_DATE", help="last day (inclusive), YYYY-MM-DD")
    parser.add_argument(
        "--controller", type=int, metavar="ID", help="only this cloud controller id"
    )


def fail(prog: str, message: str, status: int = 2) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
    return status


def report(rejected) -> None:
    print(str(rejected), file=sys.stderr, flush=False)
