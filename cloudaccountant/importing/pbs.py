"""PBS / Torque: jobs from the server's accounting logs (``server_priv/accounting/YYYYMMDD``).

A line is ``MM/DD/YYYY HH:MM:SS;<type>;<job id>;key=value ...``. Only ``E`` (job ended) records
are jobs; the others (``Q``, ``S``, ``D``, ``A``, ``R``...) are skipped. Times are the record's
UNIX times (``ctime`` submit, ``start``, ``end``), so the log's local time stamp does not matter.
Cores come from ``exec_host`` (``n1/0+n1/1``, Torque ranges ``n1/0-3,6``, PBS Pro ``n1/0*4``),
else ``Resource_List.ncpus``, else ``Resource_List.nodes`` (``2:ppn=4``). An array sub-job
``123[4].server`` is a job of its own; the array parent ``123[].server`` is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from cloudaccountant.importing.records import (
    JobRecord,
    LineError,
    Rejected,
    check,
    decoded_lines,
    epoch,
    whole,
)

_PAIR = re.compile(r'([A-Za-z_][\w.]*)=("(?:[^"\\]|\\.)*"|\S*)')
_JOBID = re.compile(r"^(\d+)(?:\[(\d*)\]|-(\d+))?(?:\.(.+))?$")


def exec_host_slots(exec_host: str) -> tuple[int, int]:
    """``(cores, nodes)`` of an ``exec_host`` value."""
    cores = 0
    hosts = set()
    for chunk in exec_host.split("+"):
        host, slash, spec = chunk.partition("/")
        if not host or not slash or not spec:
            raise LineError(f"exec_host {exec_host!r} is malformed")
        hosts.add(host)
        if "*" in spec:  # PBS Pro: first-index*count
            cores += whole(spec.partition("*")[2], "exec_host slot count")
            continue
        for part in spec.split(","):
            low, dash, high = part.partition("-")
            if dash:
                first, last = whole(low, "exec_host slot"), whole(high, "exec_host slot")
                if last < first:
                    raise LineError(f"exec_host range {part!r} runs backwards")
                cores += last - first + 1
            else:
                whole(low, "exec_host slot")
                cores += 1
    return cores, len(hosts)


def _nodes_spec(spec: str) -> tuple[int, int, int]:
    """``(cores, nodes, gpus)`` of ``Resource_List.nodes`` (``2:ppn=4:gpus=1``, or host names)."""
    cores = nodes = gpus = 0
    for chunk in spec.split("+"):
        parts = chunk.split(":")
        count = int(parts[0]) if parts[0].isdigit() else 1
        ppn = next((whole(p[4:], "ppn") for p in parts if p.startswith("ppn=")), 1)
        per_node_gpus = next((whole(p[5:], "gpus") for p in parts if p.startswith("gpus=")), 0)
        cores += count * ppn
        nodes += count
        gpus += count * per_node_gpus
    return cores, nodes, gpus


class PbsParser:
    def __init__(self, source: str, cluster: str = "default"):
        self.source = source
        self.cluster = cluster  # for records that name none
        self.skipped = 0

    def parse(self, lines: Iterable[bytes]) -> Iterator[JobRecord | Rejected]:
        for number, text, rejected in decoded_lines(lines, self.source):
            if rejected is not None:
                yield rejected
                continue
            if not text.strip():
                continue
            parts = text.split(";", 3)
            if len(parts) != 4:
                yield Rejected(self.source, number, "not a PBS accounting record")
                continue
            if parts[1] != "E":
                self.skipped += 1
                continue
            try:
                record = self._record(parts[2], parts[3])
            except LineError as exc:
                yield Rejected(self.source, number, str(exc))
                continue
            if record is None:
                self.skipped += 1
            else:
                yield record

    def _record(self, jobid: str, message: str) -> JobRecord | None:
        match = _JOBID.match(jobid)
        if not match:
            raise LineError(f"job id {jobid!r} is not a PBS job id")
        job, index, torque_index, server = match.groups()
        if index == "":
            return None  # the array parent: its sub-jobs carry the usage
        f = {k: v[1:-1] if v.startswith('"') else v for k, v in _PAIR.findall(message)}
        started = epoch(f.get("start", "0"), "start")
        ended = epoch(f.get("end", "0"), "end")
        if started is None or ended is None:
            return None  # never ran
        submitted = epoch(f.get("ctime") or f.get("qtime") or "0", "ctime")
        if submitted is None:
            raise LineError("no ctime")
        gpus = (
            whole(f["Resource_List.ngpus"], "Resource_List.ngpus")
            if ("Resource_List.ngpus" in f)
            else 0
        )
        if f.get("exec_host"):
            cores, nodes = exec_host_slots(f["exec_host"])
            if "Resource_List.nodes" in f and not gpus:
                gpus = _nodes_spec(f["Resource_List.nodes"])[2]
        elif "Resource_List.ncpus" in f:
            cores = whole(f["Resource_List.ncpus"], "Resource_List.ncpus")
            nodes = whole(f.get("Resource_List.nodect", "1"), "Resource_List.nodect")
        elif "Resource_List.nodes" in f:
            cores, nodes, spec_gpus = _nodes_spec(f["Resource_List.nodes"])
            gpus = gpus or spec_gpus
        else:
            raise LineError("no exec_host, Resource_List.ncpus or Resource_List.nodes for cores")
        exit_status = f.get("Exit_status", "0")
        state = "COMPLETED" if exit_status == "0" else "FAILED"
        if exit_status.startswith("-"):
            state = "ABORTED"
        array = index if index is not None else torque_index
        return check(
            JobRecord(
                cluster=server or self.cluster,
                job_id=job,
                array_index=int(array) if array is not None else -1,
                submitted_at=submitted,
                started_at=started,
                ended_at=ended,
                system_username=f.get("user", ""),
                account=f.get("account", ""),
                queue=f.get("queue", ""),
                name=f.get("jobname", ""),
                cores=cores,
                nodes=nodes,
                gpus=gpus,
                state=state,
            )
        )
