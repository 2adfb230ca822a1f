"""Slurm: jobs from ``sacct``.

``sacct`` runs with all users, allocations only (``-X``: job steps are not jobs), duplicates
(``-D``: every run of a requeued job), parsable output (``-P``, ``|``-separated, a header first)
and ``TZ=UTC`` (its times are then UTC). ``JobName`` is the last field, so a ``|`` inside a job
name stays in the name. Cores are ``AllocCPUS``; an array task (``123_4``) is a job of its own;
pending array remainders (``123_[5-9]``), jobs that never started and jobs that have not ended
are skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import namedtuple
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
    "JobName",
)
# Where each field is in a line, from the header.
_Columns = namedtuple("_Columns", FIELDS)
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

    def parse(self, lines: Iterable[bytes]) -> Iterator[JobRecord | Rejected]:
        columns: dict[str, int] | None = None
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
                missing = [f for f in FIELDS if f not in names]
                if missing:
                    yield Rejected(
                        self.source, number, f"not a sacct -P header: no {', '.join(missing)}"
                    )
                    return  # without a header nothing else can be read
                columns = {name: i for i, name in enumerate(names)}
                at = _Columns(*(columns[f] for f in FIELDS))
                width = len(names)
                last_is_name = names[-1] == "JobName"
                continue
            # A "|" inside a job name: the name is last, so extra pieces belong to it.
            values = text.split("|", width - 1) if last_is_name else text.split("|")
            if len(values) != width:
                yield Rejected(self.source, number, f"{len(values)} fields, expected {width}")
                continue
            try:
                record = self._record(values, at)
            except LineError as exc:
                yield Rejected(self.source, number, str(exc))
                continue
            if record is None:
                self.skipped += 1
            else:
                yield record

    def _record(self, v: list[str], at: _Columns) -> JobRecord | None:
        match = _JOBID.match(v[at.JobID])
        if not match:
            raise LineError(f"JobID {v[at.JobID]!r} is not a Slurm job id")
        job, task, pending_tasks, het, step = match.groups()
        if step or pending_tasks:
            return None  # a job step, or array tasks that have not run
        state = v[at.State].split(" ", 1)[0]  # "CANCELLED by 1000" -> "CANCELLED"
        if state in NOT_ENDED:
            return None
        started = _time(v[at.Start], "Start")
        ended = _time(v[at.End], "End")
        cores = whole(v[at.AllocCPUS] or "0", "AllocCPUS")
        if started is None or ended is None or cores == 0:
            return None  # never ran, or not ended yet
        submitted = _time(v[at.Submit], "Submit")
        if submitted is None:
            raise LineError("no Submit time")
        tres = v[at.AllocTRES]
        return check(
            JobRecord(
                cluster=v[at.Cluster] or self.cluster,
                job_id=job + (het or ""),
                array_index=int(task) if task is not None else -1,
                submitted_at=submitted,
                started_at=started,
                ended_at=ended,
                system_username=v[at.User],
                account=v[at.Account],
                queue=v[at.Partition],
                name=v[at.JobName],
                cores=cores,
                nodes=whole(v[at.NNodes] or "0", "NNodes"),
                gpus=_gpus(tres) if "gres/gpu" in tres else 0,
                state=state,
            )
        )
