"""SQLAlchemy wiring shared by the apps: one engine per app, ``request.db`` joined to pyramid_tm,
pyramid_retry for deadlocks and Galera certification failures, SQLite pragmas for the embedded
default. Services ``flush()``; the transaction manager commits.
"""

from __future__ import annotations

import functools
import logging

import zope.sqlalchemy
from pyramid.tweens import EXCVIEW
from pyramid_retry import mark_error_retryable
from sqlalchemy import engine_from_config, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

# Execution options of a session's connection (``Session.connection(execution_options=...)``)
# for a transaction that only reads: on SQLite it begins without taking the write lock.
READ_ONLY = {"scm_read_only": True}

# MySQL/MariaDB: 1213 deadlock (Galera reports certification failures the same way),
# 1205 lock wait timeout. SQLite: "database is locked" under concurrent writers.
RETRYABLE_MYSQL_CODES = frozenset({1213, 1205})
# The server went away (2006, 2013: a Galera node killed under us, HAProxy failing over) or could
# not be reached (2003). Before the commit nothing of the transaction has taken effect, so the
# request may run again on a new connection; at the commit the outcome is unknown, so never then.
LOST_CONNECTION_CODES = frozenset({2003, 2006, 2013})


def make_engine(settings, prefix: str = "sqlalchemy.", sqlite_busy_ms: int = 5000) -> Engine:
    """The engine of ``<prefix>url``. On SQLite a write waits up to ``sqlite_busy_ms`` for the
    write lock: the web apps' 5 s, longer for batch scripts that queue behind each other."""
    url = settings[f"{prefix}url"]
    options = {}
    if url.startswith("mysql"):
        options = {"pool_pre_ping": True, "pool_recycle": 3600}
    engine = engine_from_config(settings, prefix, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, busy_ms=sqlite_busy_ms))
        # SQLAlchemy, not pysqlite, begins transactions (so SAVEPOINTs work), and IMMEDIATE takes
        # the write lock up front: concurrent writers then wait (busy_timeout) instead of failing
        # with "database is locked" when a reader tries to upgrade.
        # A transaction begun READ_ONLY takes none: many readers need not queue behind writers.
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(conn) -> None:
    read_only = conn.get_execution_options().get("scm_read_only")
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection, _record, busy_ms: int = 5000):
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms):d}")
    cursor.execute("PRAGMA journal_mode=WAL")  # in-memory databases answer "memory": fine
    cursor.close()


def mysql_code(exc: DBAPIError):
    """The MySQL/MariaDB error number of ``exc`` (PyMySQL's first argument), or None."""
    orig = exc.orig
    return orig.args[0] if getattr(orig, "args", None) else None


def is_retryable(exc: BaseException, before_commit: bool = False) -> bool:
    """Whether the request may run again on a fresh transaction; ``before_commit``: the error
    came from the request's own work (views never commit), not from the commit itself."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = mysql_code(exc)
    if code in RETRYABLE_MYSQL_CODES:
        return True
    if before_commit and (code in LOST_CONNECTION_CODES or exc.connection_invalidated):
        return True
    return "database is locked" in str(orig)


def _retry_tween(handler, before_commit: bool):
    def tween(request):
        try:
            return handler(request)
        except DBAPIError as exc:
            if is_retryable(exc, before_commit):
                log.warning("retrying %s %s after %s", request.method, request.path, exc.orig)
                mark_error_retryable(exc)
            raise

    return tween


def retry_tween_factory(handler, registry):
    """Below the exception views: errors of the request's own work, before pyramid_tm commits."""
    return _retry_tween(handler, before_commit=True)


def commit_retry_tween_factory(handler, registry):
    """Above pyramid_tm: errors raised by the commit (a lost connection there is not retried)."""
    return _retry_tween(handler, before_commit=False)


def _db(request) -> Session:
    session = request.registry["scm.dbsession_factory"]()
    zope.sqlalchemy.register(session, transaction_manager=request.tm)
    return session


def includeme(config):
    settings = config.get_settings()
    settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    settings.setdefault("retry.attempts", "3")
    # Annotating each transaction with the user costs a security-policy call per request, for a
    # note nobody reads (we keep no ZODB-style transaction log).
    settings.setdefault("tm.annotate_user", "false")
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    engine = make_engine(settings)
    config.registry["scm.db_engine"] = engine
    # Tests replace this factory with one bound to a connection they roll back.
    config.registry["scm.dbsession_factory"] = sessionmaker(bind=engine)
    config.add_request_method(_db, "db", reify=True)
    # Mark errors twice: raised by a view (before the exception views render them) and raised at
    # commit (by pyramid_tm, outside the exception views).
    config.add_tween("common.db.retry_tween_factory", under=EXCVIEW)
    config.add_tween("common.db.commit_retry_tween_factory", over="pyramid_tm.tm_tween_factory")
