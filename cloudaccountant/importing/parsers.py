"""What every scheduler's accounting parser is (``JobSource``), and which one reads each kind.

A parser turns the lines of one input (``source`` names it in rejections) into job records and
rejections, counting what it skipped on purpose (steps, jobs not run or not ended); ``cluster``
is the cluster of records that name none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

from cloudaccountant.importing.pbs import PbsParser
from cloudaccountant.importing.records import JobRecord, Rejected
from cloudaccountant.importing.sge import SgeParser
from cloudaccountant.importing.slurm import SacctParser


@runtime_checkable
class JobSource(Protocol):
    source: str
    cluster: str
    skipped: int

    def __init__(self, source: str, cluster: str = "default") -> None: ...

    def parse(self, lines: Iterable[bytes]) -> Iterator[JobRecord | Rejected]: ...


# Univa Grid Engine writes SGE's accounting format.
JOB_SOURCES: dict[str, type[JobSource]] = {
    "slurm": SacctParser,
    "pbs": PbsParser,
    "sge": SgeParser,
    "uge": SgeParser,
}
