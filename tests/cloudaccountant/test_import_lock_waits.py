"""Imports on SQLite wait for the write lock as long as other imports hold it, where the web apps
give up after their busy timeout (5 s): cron runs an import per cluster, and on SQLite, which has
one writer at a time, one import may have to wait out several batches of the others.

Always on a SQLite file of its own, also in the MariaDB run: the lock is SQLite's. The imports
are the console scripts' ``main`` on threads, as in ``test_concurrent_imports`` (whose
``Schedule`` tells which engine is which import's). ``LockHold`` makes one import's batch keep
the lock past the web apps' busy timeout while the others ask for it, instead of hoping that
100,000 jobs take that long.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from cloudaccountant.importing import jobs
from cloudaccountant.importing.jobs import JobImporter
from cloudaccountant.importing.runs import ImportRun
from cloudaccountant.scripts._cli import import_engine
from common.db import make_engine
from common.migrations import upgrade
from tests.cloudaccountant.conftest import empty_usage_tables, table_dump
from tests.cloudaccountant.helpers import write_ini
from tests.cloudaccountant.test_concurrent_imports import (
    WAIT,
    Import,
    Schedule,
    run_at_once,
    run_one_after_the_other,
    write_input,
)

JOBS = 3000  # per input: 3 batches of 1,000
BATCH = 1000


class LockHold:
    """The first batch of import ``holder`` keeps SQLite's write lock until every import of
    ``waiters`` has asked for it (sent ``BEGIN IMMEDIATE``), then ``seconds`` more.

    ``at_batch`` (one of the waiters) asks at its first batch: that import has begun (its run's
    row is written) when the holder takes the lock, and begins its first batch only then. The
    other waiters are started by the test once ``held`` is set, and ask for the lock for their
    run's row."""

    def __init__(self, monkeypatch, schedule: Schedule, holder: str, waiters: set[str], at_batch):
        self.schedule, self.holder, self.waiters, self.seconds = schedule, holder, waiters, 0.0
        self.held = threading.Event()  # the holder's first batch has the lock
        self.asked: dict[str, float] = {}  # waiter -> when it sent BEGIN IMMEDIATE
        self.got: dict[str, float] = {}  # waiter -> when SQLite gave it the lock
        self.released: float | None = None  # when the holder went on to commit
        self.broken: list[str] = []
        self._at_batch = threading.Event()
        self._first: set[str] = set()  # imports past their first batch's start
        self._asking = threading.Condition()
        write, extend_longest = JobImporter._write, jobs.extend_longest

        def first_batch_waits(importer, batch, *args):
            name = schedule.owner[importer.engine]
            if len(batch) and name not in self._first:
                self._first.add(name)
                if name == holder and not self._at_batch.wait(WAIT):
                    self.broken.append(f"{at_batch} never reached its first batch")
                if name == at_batch:
                    self._at_batch.set()
                    if not self.held.wait(WAIT):
                        self.broken.append(f"{holder} never held the lock")
            return write(importer, batch, *args)

        def holding(conn, *args):
            extend_longest(conn, *args)  # the first statement of a batch's transaction
            if schedule.owner.get(conn.engine) != holder or self.held.is_set():
                return
            self.held.set()
            with self._asking:
                if not self._asking.wait_for(lambda: waiters <= self.asked.keys(), WAIT):
                    self.broken.append(f"only {sorted(self.asked)} asked for the lock")
            time.sleep(self.seconds)
            self.released = time.monotonic()

        monkeypatch.setattr(JobImporter, "_write", first_batch_waits)
        monkeypatch.setattr(jobs, "extend_longest", holding)
        sa.event.listen(sa.Engine, "before_cursor_execute", self._before)
        sa.event.listen(sa.Engine, "after_cursor_execute", self._after)

    def close(self) -> None:
        sa.event.remove(sa.Engine, "before_cursor_execute", self._before)
        sa.event.remove(sa.Engine, "after_cursor_execute", self._after)

    def _waiter(self, conn, statement: str) -> str | None:
        name = self.schedule.owner.get(conn.engine)
        if statement == "BEGIN IMMEDIATE" and self.held.is_set() and name in self.waiters:
            return name
        return None

    def _before(self, conn, cursor, statement, *args):
        name = self._waiter(conn, statement)
        if name is not None and name not in self.asked:
            with self._asking:
                self.asked[name] = time.monotonic()
                self._asking.notify_all()

    def _after(self, conn, cursor, statement, *args):
        name = self._waiter(conn, statement)
        if name is not None and name not in self.got:
            self.got[name] = time.monotonic()


def busy_timeout(engine) -> float:
    """Seconds a write transaction of ``engine`` waits for SQLite's write lock."""
    with engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA busy_timeout").scalar() / 1000


@pytest.fixture
def sqlite_db(tmp_path):
    """A migrated SQLite accountant database of this test's own: ``(url, engine)``, the engine
    made as the web apps make theirs."""
    url = f"sqlite:///{tmp_path}/accountant.sqlite"
    engine = make_engine({"sqlalchemy.url": url})
    upgrade("cloudaccountant", engine)
    yield url, engine
    engine.dispose()


@pytest.fixture
def ini(tmp_path, sqlite_db) -> str:
    settings = {
        "sqlalchemy.accountant.url": sqlite_db[0],
        "cloudauth.url": "http://127.0.0.1:9",
        "sqlalchemy.cloud.1.slurm.server": "local",
        "sqlalchemy.cloud.2.slurm.server": "local",
        "import.batch_size": str(BATCH),
    }
    return str(write_ini(tmp_path / "accountant.ini", settings))


@pytest.fixture
def schedule(monkeypatch):
    watched = Schedule(monkeypatch)
    yield watched
    watched.close()


def test_only_the_import_scripts_engine_waits_longer_for_the_lock(sqlite_db):
    url, web = sqlite_db
    imports = import_engine(url)
    try:
        assert busy_timeout(imports) >= 3600
    finally:
        imports.dispose()
    web.dispose()  # a fresh connection, made after the import engine's
    assert busy_timeout(web) == 5


def test_imports_wait_for_a_lock_held_past_the_web_busy_timeout(
    schedule, monkeypatch, sqlite_db, ini, tmp_path, capsys
):
    _, engine = sqlite_db
    web_timeout = busy_timeout(engine)
    imports = {
        "import-A": Import("slurm", 1, write_input(tmp_path / "a", "slurm", JOBS, [])),
        "import-B": Import("pbs", 1, write_input(tmp_path / "b", "pbs", JOBS, [])),
        "import-C": Import("slurm", 2, write_input(tmp_path / "c", "slurm", JOBS, [])),
    }
    # A's first batch keeps the lock while B begins its first batch and C begins its run, and
    # for a second longer than the web apps would wait.
    hold = LockHold(monkeypatch, schedule, "import-A", {"import-B", "import-C"}, "import-B")
    hold.seconds = web_timeout + 1
    statuses: dict[str, int] = {}
    failures: list[BaseException] = []

    def a_and_b() -> None:
        try:
            statuses.update(run_at_once(ini, {k: imports[k] for k in ("import-A", "import-B")}))
        except BaseException as exc:  # reported by the test's thread
            failures.append(exc)

    started = threading.Thread(target=a_and_b)
    try:
        started.start()
        assert hold.held.wait(WAIT)
        statuses.update(run_at_once(ini, {"import-C": imports["import-C"]}))
        started.join(4 * WAIT)
    finally:
        hold.close()
    assert not started.is_alive()
    if failures:
        raise failures[0]

    err = capsys.readouterr().err
    assert statuses == {"import-A": 0, "import-B": 0, "import-C": 0}, err
    assert err == ""
    assert not hold.broken and not schedule.broken
    assert schedule.errors == []  # no import met "database is locked", not even in its days
    for name in ("import-B", "import-C"):
        # It waited past the web apps' busy timeout, and got the lock once A let it go.
        assert hold.got[name] - hold.asked[name] > web_timeout
        assert hold.got[name] >= hold.released
    runs = ImportRun.__table__
    with engine.connect() as conn:
        ended = conn.execute(sa.select(runs.c.exit_status, runs.c.finished_at)).all()
    assert [(status, at is not None) for status, at in ended] == [(0, True)] * 3
    at_once = table_dump(engine)
    assert len(at_once["jobs"]) == 3 * JOBS

    empty_usage_tables(engine)
    run_one_after_the_other(ini, list(imports.values()))
    assert at_once == table_dump(engine)
