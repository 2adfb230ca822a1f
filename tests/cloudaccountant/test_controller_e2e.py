"""import_usage end to end against the tables the Cloud Controller really creates.

The controller's database is migrated with its own Alembic history and filled through its own
models (not the contract copy in ``controller_db.py``); ``import_usage`` then runs as an
operator runs it, over a range, and the daily rows are checked to the second and the byte.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cloudaccountant.importing import controller as reader
from cloudaccountant.scripts import import_usage
from cloudaccountant.usage.models import ServerInstanceDaily, StorageDaily, UserStorageDaily
from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.instances.models import PowerInterval
from cloudcontroller.storage.models import StorageAllocation
from cloudcontroller.user_storage.models import UserStorageUsage
from common.clock import FrozenClock
from common.migrations import upgrade
from tests.cloudaccountant.conftest import table_dump
from tests.cloudaccountant.helpers import ALICE, BOB, CAROL, t, write_ini
from tests.conftest import database_url, drop_database

I1, I2, V1, V2 = "1" * 32, "2" * 32, "e" * 32, "f" * 32
GB = 10**9
DAY = 86400
NOW = t("2026-03-04T06:00:00")  # 2026-03-05 is still to come: it gets no rows


@pytest.fixture(scope="module")
def real_controller_url(tmp_path_factory):
    url = database_url("ccreal", tmp_path_factory)
    engine = sa.create_engine(url)
    upgrade("cloudcontroller", engine)
    with Session(engine) as db, db.begin():
        db.add_all(
            [
                SystemUser(cloudauth_id=ALICE, system_name="alice", uid=5001, gid=5001),
                SystemUser(cloudauth_id=CAROL, system_name="carol", uid=5002, gid=5002),
                # A span across two midnights, started with microseconds (floored to the second).
                PowerInterval(instance_id=I1, cloudauth_id=ALICE, flavor_id="m1",
                              started_at=t("2026-03-01T22:00:00.400"),
                              ended_at=t("2026-03-03T01:30:00")),
                # Resized to another flavor, and still running: counts up to now.
                PowerInterval(instance_id=I1, cloudauth_id=ALICE, flavor_id="m2",
                              started_at=t("2026-03-03T02:00:00"), ended_at=None),
                # Began before the range: only its part inside the range counts.
                PowerInterval(instance_id=I2, cloudauth_id=BOB, flavor_id="m1",
                              started_at=t("2026-02-28T23:00:00"),
                              ended_at=t("2026-03-01T01:00:00")),
                # Resized at noon on the 2nd: that day reads the larger size.
                StorageAllocation(volume_id=V1, cloudauth_id=ALICE, size_bytes=10 * GB,
                                  started_at=t("2026-02-20T00:00:00"),
                                  ended_at=t("2026-03-02T12:00:00")),
                StorageAllocation(volume_id=V1, cloudauth_id=ALICE, size_bytes=20 * GB,
                                  started_at=t("2026-03-02T12:00:00"), ended_at=None),
                # Ends exactly at midnight: nothing on the next day.
                StorageAllocation(volume_id=V2, cloudauth_id=BOB, size_bytes=5 * GB,
                                  started_at=t("2026-03-01T06:00:00"),
                                  ended_at=t("2026-03-02T00:00:00")),
                UserStorageUsage(cloudauth_id=ALICE, system_name="alice", pool="/home",
                                 bytes_used=100, recorded_at=t("2026-03-01T01:00:00")),
                UserStorageUsage(cloudauth_id=ALICE, system_name="alice", pool="/home",
                                 bytes_used=300, recorded_at=t("2026-03-01T23:59:59")),
                UserStorageUsage(cloudauth_id=ALICE, system_name="alice", pool="/home",
                                 bytes_used=50, recorded_at=t("2026-03-02T00:00:00")),
                UserStorageUsage(cloudauth_id=ALICE, system_name="alice", pool="/scratch",
                                 bytes_used=7, recorded_at=t("2026-03-02T08:00:00")),
                # Recorded before carol was mapped: mapped through system_users now.
                UserStorageUsage(cloudauth_id=None, system_name="carol", pool="/home",
                                 bytes_used=40, recorded_at=t("2026-03-02T03:00:00")),
                UserStorageUsage(cloudauth_id=None, system_name="carol", pool="/home",
                                 bytes_used=45, recorded_at=t("2026-03-02T04:00:00")),
                # Nobody's: kept under the system name, with no Cloud Auth user.
                UserStorageUsage(cloudauth_id=None, system_name="dave", pool="/home",
                                 bytes_used=9, recorded_at=t("2026-03-03T12:00:00")),
            ]
        )  # fmt: skip
    engine.dispose()
    yield url
    drop_database(url)


def _ini(tmp_path, acct_url, cc_url) -> str:
    settings = {"sqlalchemy.accountant.url": acct_url, "cloudauth.url": "http://127.0.0.1:9"}
    for kind in ("instances", "storage", "user_storage", "users"):
        settings[f"sqlalchemy.cloud.7.{kind}.url"] = cc_url
    return str(write_ini(tmp_path / "acct.ini", settings))


def _rows(engine, model, *fields) -> dict[tuple, int]:
    table = model.__table__
    metric = next(c for c in table.columns if c.name in ("seconds", "bytes"))
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table)).mappings().all()
    assert {(r["cloud_controller_id"], r["resource_type"]) for r in rows} <= {
        (7, model.__table__.name.removesuffix("_daily"))
    }
    return {
        (r["date"].isoformat(), r["cloud_auth_userid"], *(r[f] for f in fields)): r[metric.name]
        for r in rows
    }


def test_import_usage_reads_the_controllers_own_tables(
    tmp_path, acct_db, acct_db_url, real_controller_url
):
    ini = _ini(tmp_path, acct_db_url, real_controller_url)
    argv = [ini, "2026-03-01", "2026-03-05"]
    assert import_usage.main(argv, clock=FrozenClock(NOW)) == 0

    assert _rows(acct_db, ServerInstanceDaily, "instance_id", "flavor_id") == {
        ("2026-03-01", BOB, I2, "m1"): 3600,  # from midnight to 01:00
        ("2026-03-01", ALICE, I1, "m1"): 2 * 3600,  # 22:00:00.400 floored to 22:00:00
        ("2026-03-02", ALICE, I1, "m1"): DAY,
        ("2026-03-03", ALICE, I1, "m1"): 5400,
        ("2026-03-03", ALICE, I1, "m2"): 22 * 3600,
        ("2026-03-04", ALICE, I1, "m2"): 6 * 3600,  # still running: up to now
    }
    assert _rows(acct_db, StorageDaily, "volume_id") == {
        ("2026-03-01", ALICE, V1): 10 * GB,
        ("2026-03-01", BOB, V2): 5 * GB,
        ("2026-03-02", ALICE, V1): 20 * GB,
        ("2026-03-03", ALICE, V1): 20 * GB,
        ("2026-03-04", ALICE, V1): 20 * GB,
    }
    assert _rows(acct_db, UserStorageDaily, "system_username", "pool") == {
        ("2026-03-01", ALICE, "alice", "/home"): 300,
        ("2026-03-02", ALICE, "alice", "/home"): 50,
        ("2026-03-02", ALICE, "alice", "/scratch"): 7,
        ("2026-03-02", CAROL, "carol", "/home"): 45,
        ("2026-03-03", "", "dave", "/home"): 9,
    }

    # The server seconds of a span add up to the span exactly, however it was split.
    seconds = _rows(acct_db, ServerInstanceDaily, "instance_id", "flavor_id")
    whole = t("2026-03-03T01:30:00") - t("2026-03-01T22:00:00")
    assert sum(v for k, v in seconds.items() if k[2:] == (I1, "m1")) == whole.total_seconds()

    once = table_dump(acct_db)
    assert import_usage.main(argv, clock=FrozenClock(NOW)) == 0
    assert table_dump(acct_db) == once


def test_the_controllers_tables_hold_every_column_the_accountant_reads(real_controller_url):
    """The accountant's reader (``controller_tables``) against the migrated schema: every
    column it selects exists, with a type of the same kind and a length no shorter."""
    engine = sa.create_engine(real_controller_url)
    try:
        inspector = sa.inspect(engine)
        for table in reader.controller_tables.sorted_tables:
            real = {c["name"]: c for c in inspector.get_columns(table.name)}
            for column in table.columns:
                assert column.name in real, f"{table.name}.{column.name} is missing"
                kind = real[column.name]["type"]
                expected = column.type
                assert kind._type_affinity is expected._type_affinity or (
                    isinstance(expected, sa.Integer) and isinstance(kind, sa.Integer)
                ), f"{table.name}.{column.name}: {kind!r}, read as {expected!r}"
                if isinstance(expected, sa.String):
                    assert (kind.length or 0) >= (expected.length or 0)
    finally:
        engine.dispose()


def test_user_map_reads_the_real_system_users(real_controller_url):
    engine = reader.read_only_engine(real_controller_url)
    try:
        assert reader.user_map(engine) == {"alice": ALICE, "carol": CAROL}
    finally:
        engine.dispose()
