"""Fixtures of the Cloud Accountant's tests.

- ``acct_engine``: the accountant's database, migrated once per session (SQLite, or MariaDB with
  ``SCM_TEST_MYSQL_URL``). Importers commit batch by batch, as they do in production, so tests
  that import get ``acct_db``: the engine, with every usage table emptied afterwards.
- ``controller_db``: a controller database holding the contract tables, emptied after each test.
- ``acct_session_factory``: sessions joined to a per-test transaction that is rolled back (the API
  tests write their rows through it).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from cloudaccountant.importing.controller import read_only_engine
from cloudaccountant.usage.models import (
    Job,
    JobDaily,
    JobExtent,
    ServerInstanceDaily,
    StorageDaily,
    UserStorageDaily,
)
from common.db import make_engine
from common.migrations import upgrade
from tests.cloudaccountant import controller_db as contract
from tests.cloudaccountant.sshd import sshd_missing, start_sshd
from tests.conftest import database_url, drop_database, skip_or_fail

USAGE_TABLES = (Job, JobDaily, JobExtent, ServerInstanceDaily, StorageDaily, UserStorageDaily)


def pytest_configure(config):
    config.addinivalue_line("markers", "slurm: needs a real Slurm with slurmdbd (Debian slurm-wlm)")
    config.addinivalue_line("markers", "ssh: needs a real OpenSSH server (Debian openssh-server)")


@pytest.fixture(scope="session")
def sshd():
    """A real sshd on loopback (tests/cloudaccountant/sshd.py). Skips where OpenSSH is absent;
    fails instead under ``SCM_REQUIRE_ALL_TIERS=1``."""
    reason = sshd_missing()
    if reason:
        skip_or_fail(reason)
    server = start_sshd()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def acct_db_url(tmp_path_factory):
    url = database_url("cloudaccountant", tmp_path_factory)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def acct_engine(acct_db_url):
    engine = make_engine({"sqlalchemy.url": acct_db_url})
    upgrade("cloudaccountant", engine)
    yield engine
    engine.dispose()


def empty_usage_tables(engine) -> None:
    with engine.begin() as conn:
        for model in USAGE_TABLES:
            conn.execute(sa.delete(model.__table__))


@pytest.fixture
def acct_db(acct_engine):
    empty_usage_tables(acct_engine)
    yield acct_engine
    empty_usage_tables(acct_engine)


@pytest.fixture
def acct_connection(acct_engine):
    connection = acct_engine.connect()
    outer = connection.begin()
    yield connection
    outer.rollback()
    connection.close()


@pytest.fixture
def acct_session_factory(acct_connection):
    return sessionmaker(bind=acct_connection, join_transaction_mode="create_savepoint")


@pytest.fixture(scope="session")
def controller_db_url(tmp_path_factory):
    url = database_url("controller", tmp_path_factory)
    engine = sa.create_engine(url)
    contract.metadata.create_all(engine)
    engine.dispose()
    yield url
    drop_database(url)


@pytest.fixture
def controller_db(controller_db_url):
    """A writable engine on the controller database (what the controller would do)."""
    engine = sa.create_engine(controller_db_url)
    yield engine
    with engine.begin() as conn:
        for table in reversed(contract.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def controller_reader(controller_db_url):
    """What the accountant opens: read-only."""
    engine = read_only_engine(controller_db_url)
    yield engine
    engine.dispose()


def table_dump(engine) -> dict[str, list[tuple]]:
    """Every usage row, sorted, without surrogate ids: to compare two databases' contents."""
    dump = {}
    with engine.connect() as conn:
        for model in USAGE_TABLES:
            table = model.__table__
            columns = [c for c in table.columns if c.name != "id"]
            rows = conn.execute(sa.select(*columns)).all()
            dump[table.name] = sorted(tuple(r) for r in rows)
    return dump
