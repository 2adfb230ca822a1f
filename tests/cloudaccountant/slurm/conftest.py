"""The real-Slurm tier: ``slurm_cluster`` (munged, slurmdbd on MariaDB, slurmctld, slurmd).

Skips with the reason where the Debian packages or MariaDB are absent; with
``SCM_REQUIRE_ALL_TIERS=1`` (CI) it fails instead. slurmdbd needs MariaDB even when the
accountant's own tests run on SQLite: ``SCM_TEST_MYSQL_URL``, else root at 127.0.0.1:3306.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from tests.cloudaccountant.slurm.cluster import slurm_missing, start_slurm
from tests.conftest import skip_or_fail

SERVER_URL = os.environ.get("SCM_TEST_MYSQL_URL") or "mysql+pymysql://root@127.0.0.1:3306/"


def _mariadb_missing() -> str | None:
    engine = sa.create_engine(SERVER_URL)
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as exc:
        return f"slurmdbd needs MariaDB at {SERVER_URL}: {exc.orig}"
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def slurm_cluster():
    reason = slurm_missing() or _mariadb_missing()
    if reason:
        skip_or_fail(reason)
    cluster = start_slurm(SERVER_URL)
    yield cluster
    cluster.stop()
