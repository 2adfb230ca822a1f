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
        # This loop runs once per job: the header is turned into plain list positions once, a
        # field the file lacks points one past the line's last value (an "" appended per line),
        # and the usual line (a plain job id) takes no regular expression.
        at: tuple[int, ...] | None = None
        width = 0
        last_is_name = False
        source = self.source
        record = self._record
        for number, raw in enumerate(lines, start=1):
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                yield Rejected(source, number, "not UTF-8")
                continue
            if at is None:
                if not text.strip():
                    continue
                names = text.split("|")
                columns = _columns(names)
                if columns is None:
                    missing = [
                        f"{alt[0]} (or {alt[1]})" if len(alt) > 1 else alt[0]
                        for alt in REQUIRED
                        if not any(a in names for a in alt)
                    ]
                    why = f"not a sacct -P header: no {', '.join(missing)}"
                    yield Rejected(source, number, why)
                    return  # without a header nothing else can be read
                width = len(names)
                last_is_name = names[-1] == "JobName"
                at = tuple(columns.get(name, width) for name in FIELDS)
                continue
            # A "|" inside a job name: the name is last, so extra pieces belong to it.
            values = text.split("|", width - 1) if last_is_name else text.split("|")
            if len(values) != width:
                if text.strip():
                    yield Rejected(source, number, f"{len(values)} fields, expected {width}")
                continue
            values.append("")  # what a field the header does not name reads as
            try:
                job = record(values, at)
            except LineError as exc:
                yield Rejected(source, number, str(exc))
                continue
            if job.__class__ is str:
                self.skipped += 1
                self.skip_reasons[job] += 1
            else:
                yield job

    def _record(self, v: list[str], at: tuple[int, ...]) -> JobRecord | str:
        """The job of a line (its values, ``at`` their positions in ``FIELDS`` order), or why
        it is not a job (a reason for the skipped count)."""
        (
            i_job, _, i_cluster, i_user, i_account, i_partition, i_submit, i_start, i_end,
            i_cpus, i_nodes, i_tres, i_state, i_nodelist, i_name,
        ) = at  # fmt: skip
        jobid = v[i_job]
        if jobid.isdecimal():  # the usual case: no array task, no het component, no step
            job, task = jobid, None
        else:
            match = _JOBID.match(jobid)
            if not match:
                raise LineError(f"JobID {jobid!r} is not a Slurm job id")
            job, task, pending_tasks, het, step = match.groups()
            if step:
                return "job step"
            if pending_tasks:
                return "array tasks not run"
            if het:
                job += het
        state = v[i_state]
        if not state:
            state = "COMPLETED"
        elif " " in state:
            state = state.split(" ", 1)[0]  # "CANCELLED by 1000" -> "CANCELLED"
        if state in NOT_ENDED:
            return "not ended"
        if v[i_nodelist] == NO_NODE:
            return "never ran on a node"
        started = _time(v[i_start], "Start")
        ended = _time(v[i_end], "End")
        cpus = v[i_cpus]
        cores = int(cpus) if cpus.isdecimal() else whole(cpus or "0", "AllocCPUS")
        if started is None or cores == 0:
            return "never started"
        if ended is None:
            return "not ended"
        submitted = _time(v[i_submit], "Submit")
        if submitted is None:
            raise LineError("no Submit time")
        nodes = v[i_nodes]
        tres = v[i_tres]
        return check(
            JobRecord(
                v[i_cluster] or self.cluster,
                job,
                int(task) if task is not None else -1,
                submitted,
                started,
                ended,
                v[i_user],
                v[i_account],
                v[i_partition],
                v[i_name],
                cores,
                int(nodes) if nodes.isdecimal() else whole(nodes or "1", "NNodes"),
                _gpus(tres) if "gres/gpu" in tres else 0,
                state,
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
