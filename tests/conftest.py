"""Test wiring shared by every tier (warehouse-style).

- A real database per app, migrated once per session with Alembic: SQLite in a temp dir by
  default, MariaDB/MySQL when ``SCM_TEST_MYSQL_URL`` is set (CI sets it).
- Per test: one connection, an outer transaction, sessions joined as SAVEPOINTs, rolled back.
- The shared cache: in-process by default, Redis when ``SCM_TEST_REDIS_URL`` is set (a fresh key
  prefix per test).
- ``SCM_REQUIRE_ALL_TIERS=1`` (CI): a tier whose real peer is missing fails instead of skipping.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from common.cache import MemoryCache, PrefixedCache, RedisCache
from common.clock import FrozenClock
from common.db import make_engine
from common.migrations import upgrade

MYSQL_URL = os.environ.get("SCM_TEST_MYSQL_URL")


def pytest_collection_modifyitems(config, items):
    """Tests of what only MariaDB has (marker ``mysql``: LOAD DATA) run in the MariaDB tier and
    are deselected, not skipped, on the embedded default: a skip is never counted as a pass."""
    if MYSQL_URL:
        return
    kept = [item for item in items if item.get_closest_marker("mysql") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


REDIS_URL = os.environ.get("SCM_TEST_REDIS_URL")
REQUIRE_ALL = os.environ.get("SCM_REQUIRE_ALL_TIERS") == "1"


def skip_or_fail(reason: str):
    """Skip where a real peer is absent; in CI (SCM_REQUIRE_ALL_TIERS=1) fail instead."""
    if REQUIRE_ALL:
        pytest.fail(f"required tier cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def database_url(name: str, tmp_path_factory) -> str:
    if MYSQL_URL:
        server = sa.create_engine(MYSQL_URL)
        db = f"scm_test_{name}_{os.getpid()}"
        with server.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {db}")
            conn.exec_driver_sql(f"CREATE DATABASE {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        server.dispose()
        return (
            sa.engine.make_url(MYSQL_URL)
            .set(database=db, query={"charset": "utf8mb4"})
            .render_as_string(hide_password=False)
        )
    return f"sqlite:///{tmp_path_factory.mktemp(name)}/{name}.sqlite"


def drop_database(url: str) -> None:
    if url.startswith("mysql"):
        parsed = sa.engine.make_url(url)
        server = sa.create_engine(parsed.set(database=""))
        with server.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {parsed.database}")
        server.dispose()


@dataclass(frozen=True)
class Database:
    url: str
    engine: sa.Engine


@contextmanager
def migrated_database(package: str, tmp_path_factory):
    """A fresh database for ``package``, migrated with its Alembic history; dropped after."""
    url = database_url(package, tmp_path_factory)
    engine = make_engine({"sqlalchemy.url": url})
    upgrade(package, engine)
    try:
        yield Database(url, engine)
    finally:
        engine.dispose()
        drop_database(url)


@contextmanager
def rolled_back(engine):
    """One connection and an outer transaction that is rolled back; sessions made by the
    returned factory join it as SAVEPOINTs, so the app's commits stay inside the test."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield connection, sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture(scope="session")
def auth_database(tmp_path_factory):
    with migrated_database("cloudauth", tmp_path_factory) as database:
        yield database


@pytest.fixture(scope="session")
def auth_db_url(auth_database):
    return auth_database.url


@pytest.fixture(scope="session")
def auth_engine(auth_database):
    return auth_database.engine


@pytest.fixture(scope="session")
def cc_database(tmp_path_factory):
    with migrated_database("cloudcontroller", tmp_path_factory) as database:
        yield database


@pytest.fixture(scope="session")
def cc_db_url(cc_database):
    return cc_database.url


@pytest.fixture(scope="session")
def cc_engine(cc_database):
    return cc_database.engine


@pytest.fixture
def auth_connection(auth_engine):
    with rolled_back(auth_engine) as (connection, _):
        yield connection


@pytest.fixture
def auth_session_factory(auth_connection):
    return sessionmaker(bind=auth_connection, join_transaction_mode="create_savepoint")


@pytest.fixture
def cc_session_factory(cc_engine):
    with rolled_back(cc_engine) as (_, factory):
        yield factory


@pytest.fixture
def cache():
    if not REDIS_URL:
        yield PrefixedCache(MemoryCache(), "scm:")
        return
    inner = RedisCache(REDIS_URL, local_copies=1000)  # as production: token checks copied
    yield PrefixedCache(inner, f"scmtest:{uuid.uuid4().hex}:")
    inner.close()


@pytest.fixture
def clock():
    return FrozenClock(dt.datetime(2026, 3, 1, 12, 0, 0))
