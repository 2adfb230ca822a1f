"""What scheduler parsers produce: one ``JobRecord`` per run of a job, or a ``Rejected`` line.

Parsers never raise on bad input: a line they cannot use becomes ``Rejected`` with a reason, and
the import goes on. Lines that are not jobs (steps, comments, jobs that never ran or have not
ended) are skipped without complaint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

LIMITS = {"cluster": 64, "job_id": 64, "system_username": 64}  # also spelled out in check()


class LineError(ValueError):
    """A line that cannot be imported; the message is the reason shown to the operator."""


@dataclass(slots=True)
class JobRecord:
    cluster: str
    job_id: str
    array_index: int  # -1: not an array task
    submitted_at: dt.datetime
    started_at: dt.datetime
    ended_at: dt.datetime
    system_username: str
    account: str
    queue: str
    name: str
    cores: int
    nodes: int
    gpus: int
    state: str

    @property
    def core_seconds(self) -> int:
        return self.cores * int((self.ended_at - self.started_at).total_seconds())


@dataclass(frozen=True, slots=True)
class Rejected:
    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


def check(record: JobRecord) -> JobRecord:
    """Refuse what the tables cannot hold faithfully; shorten free text that they cannot."""
    if (
        0 < len(record.cluster) <= 64
        and 0 < len(record.job_id) <= 64
        and 0 < len(record.system_username) <= 64
        and record.started_at <= record.ended_at
        and record.cores >= 0
        and record.nodes >= 0
        and record.gpus >= 0
    ):  # the usual case, spelled out: this runs once per job
        if len(record.account) > 64:
            record.account = record.account[:64]
        if len(record.queue) > 64:
            record.queue = record.queue[:64]
        if len(record.name) > 255:
            record.name = record.name[:255]
        if len(record.state) > 32:
            record.state = record.state[:32]
        return record
    for name, limit in LIMITS.items():
        value = getattr(record, name)
        if not value:
            raise LineError(f"no {name.replace('_', ' ')}")
        if len(value) > limit:
            raise LineError(f"{name.replace('_', ' ')} is longer than {limit} characters")
    if record.ended_at < record.started_at:
        raise LineError("the job ends before it starts")
    if record.cores < 0 or record.nodes < 0 or record.gpus < 0:
        raise LineError("negative cores, nodes or GPUs")
    record.account = record.account[:64]
    record.queue = record.queue[:64]
    record.name = record.name[:255]
    record.state = record.state[:32]
    return record


def decoded_lines(lines, source: str) -> Iterator[tuple[int, str | None, Rejected | None]]:
    """``(line number, text, None)`` for each UTF-8 line, ``(n, None, Rejected)`` otherwise."""
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None, Rejected(source, number, "not UTF-8")
            continue
        yield number, text.rstrip("\r\n"), None


def epoch(value: str, what: str, milliseconds: bool | None = None) -> dt.datetime | None:
    """A UNIX time (seconds; milliseconds when told or when it is too large to be seconds) as
    naive UTC, floored to the second; None for 0 (never happened)."""
    try:
        number = int(value)
    except ValueError:
        raise LineError(f"{what} {value!r} is not a UNIX time") from None
    if number == 0:
        return None
    if milliseconds or (milliseconds is None and number > 100_000_000_000):
        number //= 1000
    if number < 0:
        raise LineError(f"{what} {value!r} is negative")
    try:
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=number)
    except OverflowError:
        raise LineError(f"{what} {value!r} is out of range") from None


def whole(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise LineError(f"{what} {value!r} is not a whole number") from None
