"""SGE and UGE: jobs from the ``accounting`` file (``$SGE_ROOT/$SGE_CELL/common/accounting``).

One ``:``-separated record per line (accounting(5)); ``#`` lines are comments. Cores are
``slots``. With parallel environments, SGE may also write one record per PE task
(``accounting_summary false``): only the master record (``pe_taskid`` ``NONE``) is a job — it
carries all the job's slots — the task records are skipped. ``task_number`` 0 means not an array
job. UGE 8.2+ writes times in milliseconds: a time too large to be seconds is read as
milliseconds (floored to the second), so SGE and UGE files of any version read alike.
"""

from __future__ import annotations

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

QNAME, HOSTNAME, GROUP, OWNER, JOB_NAME, JOB_NUMBER, ACCOUNT = range(7)
SUBMISSION, START, END, FAILED, EXIT_STATUS = 8, 9, 10, 11, 12
GRANTED_PE, SLOTS, TASK_NUMBER, PE_TASKID = 33, 34, 35, 41
MIN_FIELDS = 42


class SgeParser:
    def __init__(self, source: str, cluster: str = "default", *, milliseconds: bool | None = None):
        self.source = source
        self.cluster = cluster
        self.milliseconds = milliseconds  # None: decide per value
        self.skipped = 0

    def parse(self, lines: Iterable[bytes]) -> Iterator[JobRecord | Rejected]:
        for number, text, rejected in decoded_lines(lines, self.source):
            if rejected is not None:
                yield rejected
                continue
            if not text.strip() or text.startswith("#"):
                continue
            fields = text.split(":")
            if len(fields) < MIN_FIELDS:
                yield Rejected(
                    self.source, number, f"{len(fields)} fields, expected at least {MIN_FIELDS}"
                )
                continue
            try:
                record = self._record(fields)
            except LineError as exc:
                yield Rejected(self.source, number, str(exc))
                continue
            if record is None:
                self.skipped += 1
            else:
                yield record

    def _record(self, f: list[str]) -> JobRecord | None:
        if f[PE_TASKID] not in ("NONE", ""):
            return None  # a PE task record: the master record carries the slots
        ms = self.milliseconds
        started = epoch(f[START], "start_time", ms)
        ended = epoch(f[END], "end_time", ms)
        if started is None or ended is None:
            return None  # never ran
        submitted = epoch(f[SUBMISSION], "submission_time", ms)
        if submitted is None:
            raise LineError("no submission_time")
        job = f[JOB_NUMBER]
        whole(job, "job_number")
        task = whole(f[TASK_NUMBER] or "0", "task_number")
        failed = f[FAILED].split(" ", 1)[0]
        state = "COMPLETED"
        if failed not in ("0", ""):
            state = "FAILED"
        elif f[EXIT_STATUS] not in ("0", ""):
            state = "EXITED"
        return check(
            JobRecord(
                cluster=self.cluster,
                job_id=job,
                array_index=task if task > 0 else -1,
                submitted_at=submitted,
                started_at=started,
                ended_at=ended,
                system_username=f[OWNER],
                account=f[ACCOUNT],
                queue=f[QNAME],
                name=f[JOB_NAME],
                cores=whole(f[SLOTS], "slots"),
                nodes=1,
                gpus=0,
                state=state,
            )
        )
