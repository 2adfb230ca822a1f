"""Slurm: jobs from ``sacct``.

``sacct`` runs with all users, allocations only (``-X``: job steps are not jobs), duplicates
(``-D``: every run of a requeued job), parsable output (``-P``, ``|``-separated, a header first)
and ``TZ=UTC`` (its times are then UTC). ``JobName`` is the last field, so a ``|`` inside a job
name stays in the name. Cores are ``AllocCPUS``; an array task (``123_4``) is a job of its own;
pending array remainders (``123_[5-9]``), jobs that never started and jobs that have not ended
are skipped, and so are jobs that never ran on a node (``NodeList`` ``None assigned``: cancelled
while pending, ``Start`` equal to ``End``), so that a day's jobs are jobs that ran.

A saved ``sacct -P`` file may carry any set and order of columns, named by its header; only
``JobID`` (or ``JobIDRaw``), ``User``, ``Submit``, ``Start``, ``End`` and ``AllocCPUS`` (or
``NCPUS``) are needed, the others have defaults and unknown ones are ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from cloudaccountant.importing.records import (
    JobRecord,
    LineError,
    Rejected,
    check,
    decoded_lines,
    whole,
)

FIELDS = (
    "JobID",
    "JobIDRaw",
    "Cluster",
    "User",
    "Account",
    "Partition",
    "Submit",
    "Start",
    "End",
    "AllocCPUS",
    "NNodes",
    "AllocTRES",
    "State",
    "NodeList",
    "JobName",
)
# Needed in a header: each is one field, or the first of its aliases present.
REQUIRED = (
    ("JobID", "JobIDRaw"),
    ("User",),
    ("Submit",),
    ("Start",),
    ("End",),
    ("AllocCPUS", "NCPUS"),
)
ALIASES = {"JobIDRaw": "JobID", "NCPUS": "AllocCPUS"}
NO_NODE = "None assigned"
NOT_A_TIME = frozenset({"", "Unknown", "None", "N/A"})
NOT_ENDED = frozenset({"PENDING", "RUNNING", "REQUEUED_HOLD", "SUSPENDED", "RESIZING"})
_JOBID = re.compile(r"^(\d+)(?:_(\d+)|_(\[[^\]]*\]))?(\+\d+)?(\.\S+)?$")


def sacct_argv(sacct: str, start: dt.datetime, end: dt.datetime, cluster: str | None = None):
    """The ``sacct`` command for jobs that may have ended in ``[start, end)`` (UTC)."""
    argv = [
        sacct,
        "--allusers",
        "--allocations",
        "--duplicates",
        "--parsable2",
        "--format=" + ",".join(FIELDS),
        "--starttime=" + start.strftime("%Y-%m-%dT%H:%M:%S"),
        "--endtime=" + end.strftime("%Y-%m-%dT%H:%M:%S"),
    ]
    if cluster:
        argv.append("--clusters=" + cluster)
    return argv


SACCT_ENV = {"TZ": "UTC", "SLURM_TIME_FORMAT": "standard"}


def _time(value: str, what: str) -> dt.datetime | None:
    if value in NOT_A_TIME:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise LineError(f"{what} {value!r} is not a time") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _gpus(tres: str) -> int:
    typed = 0
    for item in tres.split(","):
        name, _, count = item.partition("=")
        if name == "gres/gpu":
            return whole(count, "AllocTRES gres/gpu")
        if name.startswith("gres/gpu:"):
            typed += whole(count, f"AllocTRES {name}")
    return typed


class SacctParser:
    """Parses ``sacct -P`` output (header first) into job records."""

    def __init__(self, source: str, cluster: str = "default"):
        self.source = source
        self.cluster = cluster  # for records that name none
        self.skipped = 0
        self.skip_reasons: Counter[str] = Counter()

    def parse(self, lines: Iterable[bytes]) -> Iterator[JobRecord | Rejected]:
        columns: dict[str, int] | None = None  # field -> position in a line
        width = 0
        last_is_name = False
        for number, text, rejected in decoded_lines(lines, self.source):
            if rejected is not None:
                yield rejected
                continue
            if not text.strip():
                continue
            if columns is None:
                names = text.split("|")
                columns = _columns(names)
                if columns is None:
                    missing = [
                        f"{alt[0]} (or {alt[1]})" if len(alt) > 1 else alt[0]
                        for alt in REQUIRED
                        if not any(a in names for a in alt)
                    ]
                    yield Rejected(
                        self.source, number, f"not a sacct -P header: no {', '.join(missing)}"
                    )
                    return  # without a header nothing else can be read
                width = len(names)
                last_is_name = names[-1] == "JobName"
                continue
            # A "|" inside a job name: the name is last, so extra pieces belong to it.
            values = text.split("|", width - 1) if last_is_name else text.split("|")
            if len(values) != width:
                yield Rejected(self.source, number, f"{len(values)} fields, expected {width}")
                continue
            try:
                record = self._record(_Line(values, columns))
            except LineError as exc:
                yield Rejected(self.source, number, str(exc))
                continue
            if isinstance(record, str):
                self.skipped += 1
                self.skip_reasons[record] += 1
            else:
                yield record

    def _record(self, v: _Line) -> JobRecord | str:
        """The job of a line, or why it is not a job (a reason for the skipped count)."""
        match = _JOBID.match(v["JobID"])
        if not match:
            raise LineError(f"JobID {v['JobID']!r} is not a Slurm job id")
        job, task, pending_tasks, het, step = match.groups()
        if step:
            return "job step"
        if pending_tasks:
            return "array tasks not run"
        state = (v["State"] or "COMPLETED").split(" ", 1)[0]  # "CANCELLED by 1000" -> "CANCELLED"
        if state in NOT_ENDED:
            return "not ended"
        if v["NodeList"] == NO_NODE:
            return "never ran on a node"
        started = _time(v["Start"], "Start")
        ended = _time(v["End"], "End")
        cores = whole(v["AllocCPUS"] or "0", "AllocCPUS")
        if started is None or cores == 0:
            return "never started"
        if ended is None:
            return "not ended"
        submitted = _time(v["Submit"], "Submit")
        if submitted is None:
            raise LineError("no Submit time")
        tres = v["AllocTRES"]
        return check(
            JobRecord(
                cluster=v["Cluster"] or self.cluster,
                job_id=job + (het or ""),
                array_index=int(task) if task is not None else -1,
                submitted_at=submitted,
                started_at=started,
                ended_at=ended,
                system_username=v["User"],
                account=v["Account"],
                queue=v["Partition"],
                name=v["JobName"],
                cores=cores,
                nodes=whole(v["NNodes"] or "1", "NNodes"),
                gpus=_gpus(tres) if "gres/gpu" in tres else 0,
                state=state,
            )
        )


def _columns(names: list[str]) -> dict[str, int] | None:
    """Field -> position, from a header (aliases under the field's own name); None when a
    needed field is missing."""
    at: dict[str, int] = {}
    for i, name in enumerate(names):
        field = ALIASES.get(name, name)
        if field in FIELDS and (field not in at or name == field):
            at[field] = i  # the field itself wins over its alias
    if not all(any(a in names for a in alt) for alt in REQUIRED):
        return None
    return at


class _Line:
    """One line's values by field name; a field the file does not have reads as ""."""

    __slots__ = ("at", "values")

    def __init__(self, values: list[str], at: dict[str, int]):
        self.values, self.at = values, at

    def __getitem__(self, field: str) -> str:
        i = self.at.get(field)
        return self.values[i] if i is not None else ""
