"""Writing scheduler jobs: itemised rows upserted in batches, then the affected days' summaries
recomputed from the itemised table.

Why this shape: a daily summary is a pure function of the jobs table (every job overlapping the
day, split by exact overlap), so recomputing it can never double-count, and an import killed at
any point leaves committed job rows that the next run simply upserts again before recomputing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import String, func, select
from sqlalchemy.engine import Connection, Engine

from cloudaccountant.importing.days import (
    local_date,
    range_bounds,
)
from cloudaccountant.importing.job_days import rebuild_days
from cloudaccountant.importing.records import JobRecord, Rejected
from cloudaccountant.importing.upsert import mysql_execute, mysql_text, mysql_upsert_sql, upsert
from cloudaccountant.usage.models import Job, JobExtent

JOB_KEY = (
    "cloud_controller_id",
    "resource_type",
    "cluster",
    "job_id",
    "array_index",
    "submitted_at",
    "started_at",
)
JOB_COLUMNS = tuple(c.name for c in Job.__table__.columns if c.name != "id")
JOB_CHANGING = tuple(n for n in JOB_COLUMNS if n not in JOB_KEY)
# One INSERT statement: at most this many rows and characters (a character is at most 4 bytes
# in utf8mb4: 8 MB, half MariaDB's default max_allowed_packet).
STATEMENT_ROWS = 5000
STATEMENT_CHARS = 2 * 2**20


@dataclass
class ImportResult:
    imported: int = 0  # job rows written (inserted or updated)
    outside: int = 0  # ended outside the range: left for the import of their dates
    rejected: list[Rejected] = field(default_factory=list)
    rejected_count: int = 0
    summary_days: tuple[dt.date, dt.date] | None = None
    jobs_seconds: float = 0.0  # reading and writing the jobs
    days_seconds: float = 0.0  # recomputing the daily rows

    MAX_KEPT = 1000  # rejections kept for the report; all are counted

    def reject(self, item: Rejected, report: Callable[[Rejected], None] | None) -> None:
        self.rejected_count += 1
        if report is not None:
            report(item)
        elif len(self.rejected) < self.MAX_KEPT:
            self.rejected.append(item)


class BatchFile:
    """A batch rendered for LOAD DATA: an unlinked file, named for the driver through /proc
    (Linux), so nothing is left on disk whatever happens to the process; and its row count."""

    def __init__(self, rows: list[tuple[dt.datetime, object]]):
        # One write, one system call: a buffered text file would release the GIL every 8 KB
        # and wait for it again behind the parser each time (see _prompt_handoff).
        self.file = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115
        self.file.write("".join([row for _, row in rows]).encode("utf-8"))
        self.rows = len(rows)

    def __len__(self) -> int:
        return self.rows

    @property
    def path(self) -> str:
        return f"/proc/self/fd/{self.file.fileno()}"

    def close(self) -> None:
        self.file.close()


# A batch ready for the writer: rows (values, or MySQL literals) in end-time order, or a file.
Batch = list[tuple[dt.datetime, object]] | BatchFile


class JobImporter:
    """Imports the jobs of one scheduler of one cloud controller that ended in a date range."""

    def __init__(
        self,
        engine: Engine,
        cloud_controller_id: int,
        resource_type: str,
        timezone: ZoneInfo,
        user_map: dict[str, str] | None = None,
        batch_size: int = 50000,
    ):
        self.engine = engine
        self.cc_id = cloud_controller_id
        self.resource_type = resource_type
        self.tz = timezone
        self.user_map = user_map or {}
        self.batch_size = batch_size
        self._written = 0
        self._mysql = engine.dialect.name == "mysql"
        self._users: dict[str, object] = {}  # system user -> its mapped user, ready to write
        self._texts: dict = {}  # text values -> their rendering, computed once
        self._prefix = f"({int(cloud_controller_id)},{mysql_text(resource_type)},"
        # MariaDB with LOCAL INFILE on both ends: batches go in by LOAD DATA (see _load).
        self._load = self._mysql and bulk_load_available(engine)
        self._staging = False  # set once a batch met rows already stored
        self._tsv_prefix = f"{int(cloud_controller_id)}\t{_tsv(resource_type)}\t"

    def run(
        self,
        records: Iterable[JobRecord | Rejected],
        first: dt.date,
        last: dt.date,
        report: Callable[[Rejected], None] | None = None,
        rebuild: bool = True,
    ) -> ImportResult:
        """Write the jobs of ``records`` that ended in ``first``..``last``; then, unless
        ``rebuild`` is False (the caller rebuilds ``summary_days`` once for several inputs),
        recompute the daily rows of the days they ran in."""
        window_start, window_end = range_bounds(first, last, self.tz)
        result = ImportResult()
        started = time.perf_counter()
        batch: list[tuple[dt.datetime, object]] = []
        earliest: dt.datetime | None = None
        latest: dt.datetime | None = None
        longest = dt.timedelta(0)  # the batch's longest job
        sample: JobRecord | None = None  # the batch's first job: is it stored already?
        # One batch is written (on another thread: the database's time overlaps our parsing)
        # while the next is read; never more, so memory stays at two batches.
        with (
            _prompt_handoff(),
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="job-writer") as writer,
        ):
            pending = None
            for item in records:
                if isinstance(item, Rejected):
                    result.reject(item, report)
                    continue
                if not window_start <= item.ended_at < window_end:
                    result.outside += 1
                    continue
                if not batch:
                    sample = item
                batch.append(self._row(item))
                if earliest is None or item.started_at < earliest:
                    earliest = item.started_at
                if latest is None or item.ended_at > latest:
                    latest = item.ended_at
                if item.ended_at - item.started_at > longest:
                    longest = item.ended_at - item.started_at
                if len(batch) >= self.batch_size:
                    # Sorted and rendered here, while the writer still loads the previous
                    # batch: the writer thread only waits on the database.
                    ready = self._prepare(batch)
                    if pending is not None:
                        result.imported += pending.result()  # raises what the writer raised
                    pending = writer.submit(self._write, ready, longest, sample)
                    batch, longest = [], dt.timedelta(0)
            if pending is not None:
                result.imported += pending.result()
        result.imported += self._write(self._prepare(batch), longest, sample)
        result.jobs_seconds = time.perf_counter() - started
        if earliest is not None:
            days = (local_date(earliest, self.tz), local_date(latest, self.tz))
            if rebuild:
                self.summarise(*days)
            result.summary_days = days
        result.days_seconds = time.perf_counter() - started - result.jobs_seconds
        return result

    def _row(self, job: JobRecord) -> tuple[dt.datetime, object]:
        """``(ended_at, the row)``: on MySQL the row already rendered as escaped literals (a
        short string: a large batch stays small), elsewhere its values in ``JOB_COLUMNS``
        order."""
        user = self._users.get(job.system_username)
        if user is None:
            userid = self.user_map.get(job.system_username, "")
            if self._load:
                user = f"{_tsv(job.system_username)}\t{_tsv(userid)}"
            elif self._mysql:
                user = (mysql_text(job.system_username), mysql_text(userid))
            else:
                user = userid
            self._users[job.system_username] = user
        if not self._mysql:
            return job.ended_at, (
                self.cc_id, self.resource_type, job.cluster, job.job_id, job.array_index,
                job.submitted_at, job.started_at, job.ended_at, job.system_username, user,
                job.account, job.queue, job.name, job.cores, job.nodes, job.gpus, job.state,
                job.core_seconds,
            )  # fmt: skip
        if self._load:
            return job.ended_at, self._tsv_row(job, user)
        texts = self._texts  # cluster, account, queue, state: a few values, rendered once
        if len(texts) > 100_000:
            texts.clear()
        cluster = texts.get(job.cluster) or texts.setdefault(job.cluster, mysql_text(job.cluster))
        account = texts.get(job.account) or texts.setdefault(job.account, mysql_text(job.account))
        queue = texts.get(job.queue) or texts.setdefault(job.queue, mysql_text(job.queue))
        state = texts.get(job.state) or texts.setdefault(job.state, mysql_text(job.state))
        return job.ended_at, (
            f"{self._prefix}{cluster},{mysql_text(job.job_id)},"
            f"{int(job.array_index)},'{job.submitted_at.isoformat(' ', 'seconds')}',"
            f"'{job.started_at.isoformat(' ', 'seconds')}',"
            f"'{job.ended_at.isoformat(' ', 'seconds')}',{user[0]},{user[1]},"
            f"{account},{queue},{mysql_text(job.name)},"
            f"{int(job.cores)},{int(job.nodes)},{int(job.gpus)},{state},"
            f"{int(job.core_seconds)})"
        )

    def _tsv_row(self, job: JobRecord, user: str) -> str:
        """The row as a line of LOAD DATA's default format (tab-separated, backslash escapes),
        in ``JOB_COLUMNS`` order. Runs once per job: the few values of cluster, account, queue
        and state are escaped once, and the numbers are the parsers' ints."""
        texts = self._texts
        try:
            fixed = texts[job.cluster, job.account, job.queue, job.state]
        except KeyError:
            if len(texts) > 100_000:
                texts.clear()
            fixed = texts[job.cluster, job.account, job.queue, job.state] = (
                _tsv(job.cluster),
                _tsv(job.account),
                _tsv(job.queue),
                _tsv(job.state),
            )
        cluster, account, queue, state = fixed
        started, ended = job.started_at, job.ended_at
        return (
            f"{self._tsv_prefix}{cluster}\t{_tsv(job.job_id)}\t{job.array_index:d}\t"
            f"{job.submitted_at.isoformat(' ', 'seconds')}\t"
            f"{started.isoformat(' ', 'seconds')}\t{ended.isoformat(' ', 'seconds')}\t"
            f"{user}\t{account}\t{queue}\t{_tsv(job.name)}\t{job.cores:d}\t{job.nodes:d}\t"
            f"{job.gpus:d}\t{state}\t{job.cores * int((ended - started).total_seconds()):d}\n"
        )

    def _prepare(self, batch: list[tuple[dt.datetime, object]]) -> Batch:
        """The batch in order of end time; for the bulk load, already the file LOAD DATA reads.

        The jobs table's secondary indexes lead with (or end in) ``ended_at``, which in a
        scheduler's output follows no order: rows written in ``ended_at`` order touch each
        index page once per batch instead of once per row, and rows of one day land next to
        each other in the table, which is what ``summarise`` then reads.
        """
        batch.sort(key=_ended)
        if self._load and batch:
            return BatchFile(batch)
        return batch

    def _write(
        self,
        batch: Batch,
        longest: dt.timedelta = dt.timedelta(0),
        sample: JobRecord | None = None,
    ) -> int:
        """Upsert one prepared batch in one transaction; the rows written."""
        if not batch:
            return 0
        self._written += len(batch)
        table = Job.__table__
        with self.engine.begin() as conn:
            extend_longest(conn, self.cc_id, self.resource_type, int(longest.total_seconds()))
            if self._load:
                self._load_batch(conn, batch, sample)
                return len(batch)
            if not self._mysql:
                for i in range(0, len(batch), STATEMENT_ROWS):
                    rows = [
                        dict(zip(JOB_COLUMNS, r, strict=True))
                        for _, r in batch[i : i + STATEMENT_ROWS]
                    ]
                    upsert(conn, table, rows, JOB_KEY)
                return len(batch)
            chunk: list[str] = []
            size = 0
            for _, values in batch:
                chunk.append(values)
                size += len(values)
                if len(chunk) >= STATEMENT_ROWS or size >= STATEMENT_CHARS:
                    mysql_execute(
                        conn, mysql_upsert_sql(table, JOB_COLUMNS, JOB_CHANGING, ",".join(chunk))
                    )
                    chunk, size = [], 0
            if chunk:
                mysql_execute(
                    conn, mysql_upsert_sql(table, JOB_COLUMNS, JOB_CHANGING, ",".join(chunk))
                )
        return len(batch)

    def _load_batch(
        self,
        conn: Connection,
        batch: BatchFile,
        sample: JobRecord | None = None,
    ) -> None:
        """MariaDB's bulk load: the batch as a file, ``LOAD DATA LOCAL INFILE ... IGNORE`` into
        ``jobs``. Rows already there (a re-import) are skipped by IGNORE; when any were, or
        when the batch's first job is stored already (one key lookup first), the same file
        goes into a temporary staging table, the runs stored exactly so leave it, and one
        ``INSERT ... SELECT ... ON DUPLICATE KEY UPDATE`` writes the rest, exactly as the
        multi-row upsert would.
        All in the caller's transaction: a kill leaves nothing of the batch."""
        path = batch.path
        columns = ",".join(f"`{n}`" for n in JOB_COLUMNS)
        load = (
            "LOAD DATA LOCAL INFILE {path} {mode} INTO TABLE `{table}` CHARACTER SET utf8mb4 "
            "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' "
            f"({columns})"
        )
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            if not self._staging and not (sample is not None and self._stored(conn, sample)):
                inserted = cursor.execute(
                    load.format(path=mysql_text(path), mode="IGNORE", table="jobs")
                )
                if inserted == len(batch):
                    return
            # A re-import: this batch, and the next ones, through the staging table.
            self._staging = True
            cursor.execute("DROP TEMPORARY TABLE IF EXISTS `jobs_staging`")
            key = ",".join(f"`{n}`" for n in JOB_KEY)
            cursor.execute(
                f"CREATE TEMPORARY TABLE `jobs_staging` (UNIQUE KEY ({key})) "  # noqa: S608
                f"ENGINE=InnoDB SELECT {columns} FROM `jobs` WHERE 0"
            )
            # REPLACE: a run listed twice in the batch is its last line, as with the upsert.
            cursor.execute(load.format(path=mysql_text(path), mode="REPLACE", table="jobs_staging"))
            # Runs stored exactly as they are read need no write: an upsert of a stored row
            # first inserts it and undoes that on the duplicate key, which made a re-import
            # several times slower than a fresh one. One join through the unique key leaves
            # the new and the changed runs for the upsert.
            cursor.execute(
                "DELETE s FROM `jobs_staging` s STRAIGHT_JOIN `jobs` j ON "
                + " AND ".join(f"j.`{n}`=s.`{n}`" for n in JOB_KEY)
                + " AND "
                + " AND ".join(_same(n) for n in JOB_CHANGING)
            )
            update = ",".join(f"`{n}`=VALUES(`{n}`)" for n in JOB_CHANGING)
            cursor.execute(
                f"INSERT INTO `jobs` ({columns}) SELECT {columns} FROM `jobs_staging` "  # noqa: S608
                f"ON DUPLICATE KEY UPDATE {update}"
            )
            cursor.execute("DROP TEMPORARY TABLE `jobs_staging`")
        finally:
            cursor.close()
            batch.close()

    def _stored(self, conn: Connection, job: JobRecord) -> bool:
        """Whether ``job``'s run is stored already (one lookup of the unique key): then the
        batch is a re-import, and a LOAD DATA IGNORE would only find its rows there."""
        jobs = Job.__table__
        probe = (
            select(jobs.c.id)
            .where(
                jobs.c.cloud_controller_id == self.cc_id,
                jobs.c.resource_type == self.resource_type,
                jobs.c.cluster == job.cluster,
                jobs.c.job_id == job.job_id,
                jobs.c.array_index == job.array_index,
                jobs.c.submitted_at == job.submitted_at,
                jobs.c.started_at == job.started_at,
            )
            .limit(1)
        )
        return conn.execute(probe).first() is not None

    def summarise(self, first: dt.date, last: dt.date) -> None:
        """Recompute this source's daily job rows for ``first``..``last`` from the jobs table
        (``job_days.rebuild_days``: by the database, one statement per day)."""
        if self._mysql and self._written >= 10000:
            with self.engine.connect() as conn:
                # Fresh index statistics after a bulk load: without them MariaDB misjudges
                # one day's range of ended_at.
                conn.exec_driver_sql("ANALYZE TABLE jobs")
        rebuild_days(self.engine, self.cc_id, self.resource_type, self.tz, first, last)


def extend_longest(
    conn: Connection, cloud_controller_id: int, resource_type: str, seconds: int
) -> None:
    """Raise the source's longest job (``job_extents``) to ``seconds`` if it is shorter; call it
    in the transaction that writes the jobs, so that no reader sees a job longer than it."""
    extents = JobExtent.__table__
    values = {
        "resource_type": resource_type,
        "cloud_controller_id": cloud_controller_id,
        "longest_seconds": seconds,
    }
    if conn.dialect.name == "mysql":
        from sqlalchemy.dialects.mysql import insert

        stmt = insert(extents).values(values)
        stmt = stmt.on_duplicate_key_update(
            longest_seconds=func.greatest(extents.c.longest_seconds, stmt.inserted.longest_seconds)
        )
    else:
        from sqlalchemy.dialects.sqlite import insert

        stmt = insert(extents).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["resource_type", "cloud_controller_id"],
            set_={
                "longest_seconds": func.max(
                    extents.c.longest_seconds, stmt.excluded.longest_seconds
                )
            },
        )
    conn.execute(stmt)


@contextlib.contextmanager
def _prompt_handoff(interval: float = 1e-4) -> Iterator[None]:
    """While the parser and the writer thread run side by side, the writer gets the GIL back
    within ``interval`` seconds instead of Python's 5 ms.

    Why: the writer spends its time in system calls (PyMySQL sends a LOAD DATA file in 16 KB
    packets, two calls each) and needs the GIL after every one, while the parser holds it all
    the time. At 5 ms a handoff the writer sent a few MB/s and MariaDB waited for its rows, so
    the two phases ran one after the other; at 0.1 ms the load overlaps the parsing.

    The interval is the whole interpreter's: imports overlapping in one process (threads) share
    it, and the value from before the first is put back when the last ends, not by whichever
    ends first."""
    with _HANDOFF["lock"]:
        if _HANDOFF["users"] == 0:
            _HANDOFF["before"] = sys.getswitchinterval()
        _HANDOFF["users"] += 1
        sys.setswitchinterval(min(sys.getswitchinterval(), interval))
    try:
        yield
    finally:
        with _HANDOFF["lock"]:
            _HANDOFF["users"] -= 1
            if _HANDOFF["users"] == 0:
                sys.setswitchinterval(_HANDOFF["before"])


# The imports of this process inside _prompt_handoff, and the switch interval from before them.
_HANDOFF: dict = {"lock": threading.Lock(), "users": 0, "before": None}


def _same(name: str) -> str:
    """``j.name`` equals ``s.name`` exactly: text as bytes (MariaDB's collations ignore
    trailing spaces, and a name that gained one must still be written)."""
    if isinstance(Job.__table__.c[name].type, String):
        return f"CAST(j.`{name}` AS BINARY)=CAST(s.`{name}` AS BINARY)"
    return f"j.`{name}`=s.`{name}`"


def _ended(item: tuple[dt.datetime, object]) -> dt.datetime:
    return item[0]


def _tsv(value: str) -> str:
    """A text field of LOAD DATA's default format: backslash, tab and newline escaped."""
    if value.isprintable() and "\\" not in value:  # the usual text: two checks, not four
        return value
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def bulk_load_available(engine: Engine) -> bool:
    """Whether ``LOAD DATA LOCAL INFILE`` works on this engine: the client was created with
    ``local_infile`` (the import scripts' engine is) and the server has ``local_infile`` ON."""
    if engine.dialect.name != "mysql" or not engine.url.query.get("local_infile"):
        return False
    with engine.connect() as conn:
        value = conn.exec_driver_sql("SELECT @@GLOBAL.local_infile").scalar()
    return str(value) in ("1", "ON")
