"""Two job imports at once against one accountant database end exactly as the same imports run
one after the other: two sources whose jobs fall on the same days and users (cron importing two
clusters), one source imported twice at once, a cron import over a manual re-import of a range.

The imports are the console scripts' ``main`` on two threads, each with its own engine, as two
operators' processes would run them. ``Schedule`` makes their transactions interleave instead of
hoping they do, and records when each ran, so each test also shows that they did:

- after its first batch of jobs, and after its first day, an import waits until the other has got
  as far: the rest of their batches and days then alternate (SQLite: one writer at a time) or run
  side by side (MariaDB);
- on MariaDB, the two imports' rebuilds of one day also meet inside their transactions, so that
  both have begun that day before either has written it;
- a cron import runs whole between a re-import's last batch and its first day.

Rows are compared without their ids: two imports at once interleave their inserts, so the
autoincrement ids differ from a run one after the other (``table_dump`` leaves them out).
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cloudaccountant.importing import job_days
from cloudaccountant.importing.jobs import JobImporter
from cloudaccountant.scripts import _jobs, import_pbs, import_slurm
from cloudaccountant.usage.models import Job, JobDaily
from tests.cloudaccountant.conftest import empty_usage_tables, table_dump
from tests.cloudaccountant.helpers import (
    d,
    pbs_line,
    sacct_line,
    t,
    write_ini,
    write_pbs,
    write_sacct,
)

JOBS = 6000  # per input: 6 batches of 1,000, so each import commits several
BATCH = 1000
STEP = 29 * 86400 // JOBS  # seconds between two jobs' starts: the jobs fill 1 to 30 March
WAIT = 20  # seconds a meeting or a thread is waited for before the test fails


@dataclass(frozen=True)
class Import:
    """One run of an import script, as the operator types it."""

    kind: str  # slurm or pbs
    controller: int
    path: Path
    first: str = "2026-03-01"
    last: str = "2026-03-31"

    def run(self, ini: str) -> int:
        main = {"slurm": import_slurm.main, "pbs": import_pbs.main}[self.kind]
        option = "--sacct-output" if self.kind == "slurm" else "--file"
        argv = [ini, self.first, self.last, "--controller", str(self.controller)]
        return main([*argv, option, str(self.path)])


@dataclass(frozen=True)
class Span:
    name: str  # the import's thread
    kind: str  # batch (of jobs) or day (rebuilt)
    day: dt.date | None
    start: float
    end: float


class Schedule:
    """Which engine is which import's, when each import wrote each batch of jobs and rebuilt
    each day, the database errors it met; and the meetings that make two imports interleave.

    The imports run on threads named after them; the engine an import script makes on its thread
    is that import's, whichever thread (batch writer, day workers) uses it later."""

    def __init__(self, monkeypatch):
        self.owner: dict[Engine, str] = {}
        self.spans: list[Span] = []
        self.errors: list[tuple[str, object]] = []  # (import, the driver's error code)
        self.broken: list[str] = []  # meetings that timed out
        self.deletes: dict[tuple[str, dt.date], int] = {}  # DELETEs of a day, per import
        self.meet_after_first: set[str] = set()  # kinds: batch, day
        self.meet_in_day: tuple[dt.date, str] | None = None  # (day, before|after DELETE)
        self.held: dict[str, threading.Event] = {}  # import -> its days wait for this
        self.holding = threading.Event()  # set when a held import reaches its days
        self._lock = threading.Lock()
        self._met: set[tuple[str, str]] = set()
        self._barriers = {k: threading.Barrier(2) for k in ("batch", "day", "in_day")}

        import_engine, write, rebuild_day = (
            _jobs.import_engine,
            JobImporter._write,
            job_days._rebuild_day,
        )

        def owned_engine(url):
            engine = import_engine(url)
            self.owner[engine] = threading.current_thread().name
            return engine

        def timed_write(importer, batch, *args):
            start = time.monotonic()
            size = len(batch)
            written = write(importer, batch, *args)
            if size:
                self._done(importer.engine, "batch", None, start)
            return written

        def timed_day(one):
            name = self.owner.get(one.engine)
            if name in self.held:
                self.holding.set()
                if not self.held[name].wait(WAIT):
                    self.broken.append(f"{name} held")
            start = time.monotonic()
            rebuild_day(one)
            self._done(one.engine, "day", one.day, start)

        monkeypatch.setattr(_jobs, "import_engine", owned_engine)
        monkeypatch.setattr(JobImporter, "_write", timed_write)
        monkeypatch.setattr(job_days, "_rebuild_day", timed_day)
        sa.event.listen(Engine, "before_cursor_execute", self._before_statement)
        sa.event.listen(Engine, "after_cursor_execute", self._after_statement)
        sa.event.listen(Engine, "handle_error", self._error)

    def close(self) -> None:
        sa.event.remove(Engine, "before_cursor_execute", self._before_statement)
        sa.event.remove(Engine, "after_cursor_execute", self._after_statement)
        sa.event.remove(Engine, "handle_error", self._error)

    def _done(self, engine: Engine, kind: str, day: dt.date | None, start: float) -> None:
        name = self.owner[engine]
        with self._lock:
            self.spans.append(Span(name, kind, day, start, time.monotonic()))
        if kind in self.meet_after_first:
            self._meet_once(name, kind)

    def _meet_once(self, name: str, point: str) -> None:
        with self._lock:
            if (name, point) in self._met:
                return
            self._met.add((name, point))
        try:
            self._barriers[point].wait(WAIT)
        except threading.BrokenBarrierError:
            self.broken.append(f"{name} at {point}")

    def _day_delete(self, conn, statement: str, parameters) -> tuple[str, dt.date] | None:
        """``(import, day)`` when the statement is an import's DELETE of a day's rows."""
        name = self.owner.get(conn.engine)
        if name is None or not statement.startswith("DELETE FROM job_daily"):
            return None
        values = parameters.values() if isinstance(parameters, dict) else parameters
        for value in values:  # SQLite's driver is given the date as text
            if type(value) is dt.date:
                return name, value
            if isinstance(value, str) and len(value) == 10:
                return name, d(value)
        raise AssertionError(f"no day in {parameters!r}")

    def _before_statement(self, conn, cursor, statement, parameters, context, executemany):
        found = self._day_delete(conn, statement, parameters)
        if found is None:
            return
        with self._lock:
            self.deletes[found] = self.deletes.get(found, 0) + 1
        if self.meet_in_day == (found[1], "before"):
            self._meet_once(found[0], "in_day")

    def _after_statement(self, conn, cursor, statement, parameters, context, executemany):
        found = self._day_delete(conn, statement, parameters)
        if found is not None and self.meet_in_day == (found[1], "after"):
            self._meet_once(found[0], "in_day")

    def _error(self, context) -> None:
        name = self.owner.get(context.engine)
        if name is not None:
            args = getattr(context.original_exception, "args", ()) or (None,)
            self.errors.append((name, args[0]))

    # What the spans show.

    def of(self, name: str, kind: str, day: dt.date | None = None) -> list[Span]:
        return [
            s
            for s in self.spans
            if s.name == name and s.kind == kind and (day is None or s.day == day)
        ]

    def alternated(self, kind: str, a: str = "import-A", b: str = "import-B") -> bool:
        """Each import began one of its ``kind`` spans after the other had ended one: neither
        wrote all its batches (or days) before the other began."""
        mine, theirs = self.of(a, kind), self.of(b, kind)
        return any(x.start >= y.end for x in mine for y in theirs) and any(
            y.start >= x.end for x in mine for y in theirs
        )

    def overlapped(self, day: dt.date, a: str = "import-A", b: str = "import-B") -> bool:
        """The two imports' rebuilds of ``day`` ran at the same time."""
        return any(
            x.start < y.end and y.start < x.end
            for x in self.of(a, "day", day)
            for y in self.of(b, "day", day)
        )


@pytest.fixture
def schedule(monkeypatch, acct_db):
    # The importer shortens the interpreter's switch interval while it runs; the two imports on
    # threads of this process overlap, and the value from before them is back after both.
    interval = sys.getswitchinterval()
    watched = Schedule(monkeypatch)
    yield watched
    watched.close()
    assert sys.getswitchinterval() == interval


@pytest.fixture
def ini(tmp_path, acct_db_url) -> str:
    settings = {
        "sqlalchemy.accountant.url": acct_db_url,
        "cloudauth.url": "http://127.0.0.1:9",
        "sqlalchemy.cloud.1.slurm.server": "local",
        "sqlalchemy.cloud.2.slurm.server": "local",
        "import.batch_size": str(BATCH),
    }
    return str(write_ini(tmp_path / "accountant.ini", settings))


def run_at_once(ini: str, imports: dict[str, Import]) -> dict[str, int]:
    """Each import on its own thread (named after it), all started together; their exit
    statuses."""
    statuses: dict[str, int] = {}
    failures: list[BaseException] = []
    start = threading.Barrier(len(imports))

    def run(name: str, job: Import) -> None:
        try:
            start.wait(WAIT)
            statuses[name] = job.run(ini)
        except BaseException as exc:  # reported by the test's thread
            failures.append(exc)

    threads = [
        threading.Thread(target=run, args=(name, job), name=name) for name, job in imports.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(3 * WAIT)
    assert not any(thread.is_alive() for thread in threads), "an import never ended"
    if failures:
        raise failures[0]
    return statuses


def run_one_after_the_other(ini: str, imports: list[Import]) -> None:
    for job in imports:
        assert job.run(ini) == 0


def planted_days(engine) -> dict[tuple[str, int, str], tuple[int, int]]:
    """``(date, controller, scheduler) -> (jobs, core_seconds)`` of the user ``planted``."""
    table = JobDaily.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).where(table.c.system_username == "planted")).all()
    return {
        (r.date.isoformat(), r.cloud_controller_id, r.resource_type): (r.jobs, r.core_seconds)
        for r in rows
    }


def count_jobs(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(Job.__table__)).scalar()


def write_input(path: Path, kind: str, count: int, planted: list[tuple]) -> Path:
    """``count`` jobs over March (the same for both kinds) and the planted jobs of the user
    ``planted``: ``(job id, start, end, cores)``."""
    if kind == "slurm":
        write_sacct(path, count, step=STEP)
        line = sacct_line
    else:
        write_pbs(path, count, step=STEP)
        line = pbs_line
    with open(path, "a") as out:
        for job_id, start, end, cores in planted:
            out.write(line(job_id, "planted", t(start), t(end), cores))
    return path


def assert_clean(statuses: dict[str, int], capsys) -> None:
    """Both imports ended with status 0 and told the operator of no error."""
    err = capsys.readouterr().err
    assert statuses == {"import-A": 0, "import-B": 0}, err
    assert err == ""


# Two sources: a slurm cluster and a PBS one on one controller (their daily rows share each day's
# range of that controller), or two slurm clusters on two controllers.
SOURCES = {
    "slurm-and-pbs-of-one-controller": (("slurm", 1), ("pbs", 1)),
    "slurm-of-two-controllers": (("slurm", 1), ("slurm", 2)),
}


@pytest.mark.parametrize("sources", list(SOURCES.values()), ids=list(SOURCES))
def test_two_sources_at_once_end_as_one_after_the_other(
    sources, schedule, acct_db, ini, tmp_path, capsys
):
    (kind_a, cc_a), (kind_b, cc_b) = sources
    # The user planted ran on both sources on 14 and 15 March.
    planted_a = [
        ("9001", "2026-03-14 22:00:00", "2026-03-15 02:00:00", 4),  # 2 h on each day
        ("9002", "2026-03-15 10:00:00", "2026-03-15 11:00:00", 2),
    ]
    planted_b = [("9001", "2026-03-15 09:00:00", "2026-03-15 09:30:00", 8)]
    halves = {
        "import-A": Import(kind_a, cc_a, write_input(tmp_path / "a_half", kind_a, JOBS // 2, [])),
        "import-B": Import(kind_b, cc_b, write_input(tmp_path / "b_half", kind_b, JOBS // 2, [])),
    }
    imports = {
        "import-A": Import(kind_a, cc_a, write_input(tmp_path / "a", kind_a, JOBS, planted_a)),
        "import-B": Import(kind_b, cc_b, write_input(tmp_path / "b", kind_b, JOBS, planted_b)),
    }
    # Half of each source's jobs are stored already: the imports update rows and insert others.
    run_one_after_the_other(ini, list(halves.values()))
    schedule.meet_after_first = {"batch", "day"}
    if acct_db.dialect.name == "mysql":
        # Both begin their transaction of 15 March before either deletes its rows.
        schedule.meet_in_day = (d("2026-03-15"), "before")

    assert_clean(run_at_once(ini, imports), capsys)
    assert not schedule.broken
    assert schedule.alternated("batch") and schedule.alternated("day")
    if acct_db.dialect.name == "mysql":
        assert schedule.overlapped(d("2026-03-15"))
    at_once = table_dump(acct_db)

    assert planted_days(acct_db) == {
        ("2026-03-14", cc_a, kind_a): (1, 2 * 3600 * 4),
        ("2026-03-15", cc_a, kind_a): (2, 2 * 3600 * 4 + 3600 * 2),
        ("2026-03-15", cc_b, kind_b): (1, 1800 * 8),
    }
    assert count_jobs(acct_db) == 2 * JOBS + 3
    empty_usage_tables(acct_db)
    schedule.meet_after_first, schedule.meet_in_day = set(), None
    run_one_after_the_other(ini, [*halves.values(), *imports.values()])
    assert at_once == table_dump(acct_db)


def test_one_source_imported_twice_at_once_counts_each_job_once(
    schedule, acct_db, ini, tmp_path, capsys
):
    planted = [
        ("9001", "2026-03-30 23:00:00", "2026-03-31 01:00:00", 3),  # 1 h on each day
        ("9002", "2026-03-31 12:00:00", "2026-03-31 12:20:00", 6),
    ]
    source = Import("slurm", 1, write_input(tmp_path / "sacct", "slurm", JOBS, planted))
    schedule.meet_after_first = {"batch", "day"}
    if acct_db.dialect.name == "mysql":
        # Both delete 31 March's rows (none yet) before either writes them: the day is empty to
        # both, and both then insert the same rows.
        schedule.meet_in_day = (d("2026-03-31"), "after")

    assert_clean(run_at_once(ini, {"import-A": source, "import-B": source}), capsys)
    assert not schedule.broken
    assert schedule.alternated("batch") and schedule.alternated("day")
    if acct_db.dialect.name == "mysql":
        assert schedule.overlapped(d("2026-03-31"))
        # MariaDB told one of them that the other had written the day first (duplicate key, or
        # a deadlock), and that import rebuilt the day again.
        assert {code for _, code in schedule.errors} & {1062, 1213}
        assert max(n for (_, day), n in schedule.deletes.items() if day == d("2026-03-31")) == 2
    at_once = table_dump(acct_db)

    assert planted_days(acct_db) == {
        ("2026-03-30", 1, "slurm"): (1, 3600 * 3),
        ("2026-03-31", 1, "slurm"): (2, 3600 * 3 + 1200 * 6),
    }
    assert count_jobs(acct_db) == JOBS + 2
    empty_usage_tables(acct_db)
    schedule.meet_after_first, schedule.meet_in_day = set(), None
    run_one_after_the_other(ini, [source])
    once = table_dump(acct_db)
    assert at_once == once
    run_one_after_the_other(ini, [source])
    assert table_dump(acct_db) == once


def test_a_cron_import_during_a_re_import_of_the_month_keeps_its_long_job(
    schedule, acct_db, ini, tmp_path, capsys
):
    # The month, imported once and now imported again by hand; its longest job is 20,059 s.
    month = Import("slurm", 1, write_input(tmp_path / "month", "slurm", JOBS, []))
    # Meanwhile cron imports 31 March: new jobs, among them the longest yet (10 March 12:00 to
    # 31 March 06:00, 2 cores).
    long_job = ("9001", "2026-03-10 12:00:00", "2026-03-31 06:00:00", 2)
    new = [(str(9100 + n), f"2026-03-31 0{n}:00:00", f"2026-03-31 0{n}:30:00", 1) for n in range(5)]
    cron = Import(
        "slurm",
        1,
        write_input(tmp_path / "cron", "slurm", 0, [long_job, *new]),
        first="2026-03-31",
        last="2026-03-31",
    )
    run_one_after_the_other(ini, [month])
    # The re-import writes its jobs; before it rebuilds its days, the cron import runs whole.
    schedule.held["import-A"] = threading.Event()
    statuses: dict[str, int] = {}
    re_import = threading.Thread(
        target=lambda: statuses.update({"import-A": month.run(ini)}), name="import-A"
    )
    re_import.start()
    assert schedule.holding.wait(WAIT)
    statuses.update(run_at_once(ini, {"import-B": cron}))
    schedule.held["import-A"].set()
    re_import.join(3 * WAIT)
    assert not re_import.is_alive()

    assert_clean(statuses, capsys)
    assert not schedule.broken
    re_batches, cron_spans = schedule.of("import-A", "batch"), schedule.of("import-B", "batch")
    cron_spans += schedule.of("import-B", "day")
    re_days = schedule.of("import-A", "day")
    assert max(s.end for s in re_batches) <= min(s.start for s in cron_spans)
    assert max(s.end for s in cron_spans) <= min(s.start for s in re_days)
    at_once = table_dump(acct_db)

    expected = {("2026-03-10", 1, "slurm"): (1, 12 * 3600 * 2)}
    for day in range(11, 31):
        expected[(f"2026-03-{day}", 1, "slurm")] = (1, 24 * 3600 * 2)
    # 31 March: the long job's last 6 h, and the five new jobs of 30 min on 1 core.
    expected[("2026-03-31", 1, "slurm")] = (1 + 5, 6 * 3600 * 2 + 5 * 1800)
    assert planted_days(acct_db) == expected
    assert count_jobs(acct_db) == JOBS + 6
    empty_usage_tables(acct_db)
    schedule.held.clear()
    run_one_after_the_other(ini, [month, month, cron])
    assert at_once == table_dump(acct_db)
