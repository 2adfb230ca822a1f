"""PBS / Torque: jobs from the server's accounting logs (``server_priv/accounting/YYYYMMDD``).

A line is ``MM/DD/YYYY HH:MM:SS;<type>;<job id>;key=value ...``. Only ``E`` (job ended) records
are jobs; the others (``Q``, ``S``, ``D``, ``A``, ``R``...) are skipped. Times are the record's
UNIX times (``ctime`` submit, ``start``, ``end``), so the log's local time stamp does not matter.
An array sub-job ``123[4].server`` is a job of its own; the array parent ``123[].server`` is not.

Cores are what the job was given, from the first of these fields that names a number above 0:

1. ``exec_vnode`` (PBS Pro's allocation, ``(n7[1]:ncpus=24:ngpus=2+n7[0]:ncpus=24)+(n8:ncpus=4)``):
   the sum of its ``ncpus=``;
2. ``exec_host`` slots (Torque ``n1/0+n1/1``, Torque 5 ranges ``n1/0-3,6``, PBS Pro ``n1/0*4``);
3. ``resources_used.ncpus``;
4. ``Resource_List.ncpus``;
5. ``Resource_List.nodes`` (``2:ppn=4``).

PBS Pro writes ``exec_host=n7/0*0`` for a job whose CPUs ``exec_vnode`` spreads over vnodes, so
a field that names 0 CPUs never wins while a later one names some. A job that ran (start before
end) with none of them naming a CPU is rejected (``file:line: reason``), never written with 0
cores. Nodes are the distinct hosts of ``exec_vnode`` (a vnode ``n7[1]`` is on host ``n7``), else
of ``exec_host``, else ``Resource_List.nodect``, else the count in ``Resource_List.nodes``; GPUs
the sum of ``exec_vnode``'s ``ngpus=``, else ``Resource_List.ngpus``, else ``gpus=`` in
``Resource_List.nodes``.
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


_VNODE = re.compile(r"^([^:\[\]()+]+)(?:\[[^\]]*\])?$")


def exec_vnode_allocation(exec_vnode: str) -> tuple[int, int, int]:
    """``(cores, nodes, gpus)`` of a PBS Pro ``exec_vnode`` value.

    Chunks ``(...)`` are joined by ``+``; inside one, each vnode ``name:res=value:...`` is joined
    by ``+`` too. Cores are the sum of ``ncpus``, GPUs of ``ngpus``, nodes the distinct hosts.
    """
    cores = gpus = 0
    hosts = set()
    # Parentheses only group; every vnode is "name:res=value...", separated by "+".
    for part in exec_vnode.replace("(", "").replace(")", "").split("+"):
        name, _, resources = part.partition(":")
        match = _VNODE.match(name.strip())
        if not match:
            raise LineError(f"exec_vnode {exec_vnode!r} is malformed")
        hosts.add(match.group(1))
        for item in resources.split(":") if resources else ():
            key, equals, value = item.partition("=")
            if not equals:
                raise LineError(f"exec_vnode {exec_vnode!r} is malformed")
            if key == "ncpus":
                cores += whole(value, "exec_vnode ncpus")
            elif key == "ngpus":
                gpus += whole(value, "exec_vnode ngpus")
    return cores, len(hosts), gpus


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
        cores, nodes, gpus = _allocation(f)
        if cores == 0 and started < ended:
            if not any(name in f for name in CORE_FIELDS):
                raise LineError(f"no {', '.join(CORE_FIELDS[:-1])} or {CORE_FIELDS[-1]} for cores")
            raise LineError(
                f"the job ran {int((ended - started).total_seconds())} s but none of "
                f"{', '.join(n for n in CORE_FIELDS if n in f)} names a CPU"
            )
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


CORE_FIELDS = (
    "exec_vnode",
    "exec_host",
    "resources_used.ncpus",
    "Resource_List.ncpus",
    "Resource_List.nodes",
)


def _allocation(f: dict[str, str]) -> tuple[int, int, int]:
    """``(cores, nodes, gpus)`` of an ``E`` record's fields, in the order the module says."""
    vnode = exec_vnode_allocation(f["exec_vnode"]) if f.get("exec_vnode") else None
    host = exec_host_slots(f["exec_host"]) if f.get("exec_host") else None
    spec = _nodes_spec(f["Resource_List.nodes"]) if f.get("Resource_List.nodes") else None
    candidates = (
        vnode[0] if vnode else 0,
        host[0] if host else 0,
        whole(f["resources_used.ncpus"], "resources_used.ncpus")
        if f.get("resources_used.ncpus")
        else 0,
        whole(f["Resource_List.ncpus"], "Resource_List.ncpus")
        if f.get("Resource_List.ncpus")
        else 0,
        spec[0] if spec else 0,
    )
    cores = next((c for c in candidates if c > 0), 0)
    if vnode:
        nodes = vnode[1]
    elif host:
        nodes = host[1]
    elif f.get("Resource_List.nodect"):
        nodes = whole(f["Resource_List.nodect"], "Resource_List.nodect")
    elif spec:
        nodes = spec[1]
    else:
        nodes = 1
    if vnode and vnode[2]:
        gpus = vnode[2]
    elif f.get("Resource_List.ngpus"):
        gpus = whole(f["Resource_List.ngpus"], "Resource_List.ngpus")
    else:
        gpus = spec[2] if spec else 0
    return cores, nodes, gpus
