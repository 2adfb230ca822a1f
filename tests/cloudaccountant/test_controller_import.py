"""import_usage's core: daily rows from the controller's usage tables (the contract tables)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from cloudaccountant.importing.controller import ControllerImporter, user_map
from cloudaccountant.usage.models import ServerInstanceDaily, StorageDaily, UserStorageDaily
from common.clock import FrozenClock
from tests.cloudaccountant import controller_db as contract
from tests.cloudaccountant.conftest import table_dump
from tests.cloudaccountant.helpers import ALICE, BOB, CAROL, UTC, d, t

I1, I2, V1, V2 = "1" * 32, "2" * 32, "e" * 32, "f" * 32
GB = 10**9


@pytest.fixture
def controller(controller_db):
    with controller_db.begin() as conn:
        conn.execute(
            contract.system_users.insert(),
            [
                {"id": "9" * 32, "cloudauth_id": ALICE, "system_name": "alice"},
                {"id": "8" * 32, "cloudauth_id": CAROL, "system_name": "carol"},
            ],
        )
        conn.execute(
            contract.power_intervals.insert(),
            [
                # Microseconds as a controller may write them: floored to the second.
                dict(instance_id=I1, cloudauth_id=ALICE, flavor_id="m1",
                     started_at=t("2026-03-01T10:00:00.250"),
                     ended_at=t("2026-03-02T02:00:00.900")),
                dict(instance_id=I1, cloudauth_id=ALICE, flavor_id="m1",
                     started_at=t("2026-03-02T10:00:00"), ended_at=None),
                dict(instance_id=I2, cloudauth_id=BOB, flavor_id="m1",
                     started_at=t("2026-03-01T00:00:00"), ended_at=t("2026-03-01T06:00:00")),
                dict(instance_id=I2, cloudauth_id=BOB, flavor_id="m2",
                     started_at=t("2026-03-01T06:00:00"), ended_at=t("2026-03-01T12:00:00")),
            ],
        )  # fmt: skip
        conn.execute(
            contract.storage_allocations.insert(),
            [
                dict(volume_id=V1, cloudauth_id=ALICE, size_bytes=10 * GB,
                     started_at=t("2026-02-20T00:00"), ended_at=t("2026-03-01T12:00")),
                dict(volume_id=V1, cloudauth_id=ALICE, size_bytes=20 * GB,
                     started_at=t("2026-03-01T12:00"), ended_at=None),
                dict(volume_id=V2, cloudauth_id=BOB, size_bytes=5 * GB,
                     started_at=t("2026-03-01T00:00"), ended_at=t("2026-03-01T06:00")),
            ],
        )  # fmt: skip
        conn.execute(
            contract.user_storage_usage.insert(),
            [
                dict(cloudauth_id=ALICE, system_name="alice", pool="/pool", bytes_used=100,
                     recorded_at=t("2026-03-01T01:00")),
                dict(cloudauth_id=ALICE, system_name="alice", pool="/pool", bytes_used=300,
                     recorded_at=t("2026-03-01T13:00")),
                dict(cloudauth_id=ALICE, system_name="alice", pool="/pool", bytes_used=200,
                     recorded_at=t("2026-03-02T01:00")),
                dict(cloudauth_id=None, system_name="carol", pool="/pool", bytes_used=50,
                     recorded_at=t("2026-03-01T02:00")),
                dict(cloudauth_id=None, system_name="nobody", pool="/scratch", bytes_used=7,
                     recorded_at=t("2026-03-01T02:00")),
            ],
        )  # fmt: skip
    return controller_db


def _rows(engine, model, *fields):
    table = model.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table)).mappings().all()
    return sorted(tuple(r[f] for f in ("date", "cloud_auth_userid", *fields)) for r in rows)


def _importer(acct_db, now="2026-03-03T12:00"):
    return ControllerImporter(acct_db, 1, UTC, FrozenClock(t(now)))


def test_server_hours_split_by_day_and_flavor(acct_db, controller, controller_reader):
    _importer(acct_db).server_instances(controller_reader, d("2026-03-01"), d("2026-03-02"))
    assert _rows(acct_db, ServerInstanceDaily, "instance_id", "flavor_id", "seconds") == [
        (d("2026-03-01"), ALICE, I1, "m1", 14 * 3600),
        (d("2026-03-01"), BOB, I2, "m1", 6 * 3600),
        (d("2026-03-01"), BOB, I2, "m2", 6 * 3600),
        # 00:00-02:00, then 10:00 until the end of the range: the VM is still running.
        (d("2026-03-02"), ALICE, I1, "m1", 2 * 3600 + 14 * 3600),
    ]


def test_a_running_vm_counts_up_to_now_and_the_future_has_no_rows(
    acct_db, controller, controller_reader
):
    _importer(acct_db).server_instances(controller_reader, d("2026-03-03"), d("2026-03-05"))
    assert _rows(acct_db, ServerInstanceDaily, "instance_id", "seconds") == [
        (d("2026-03-03"), ALICE, I1, 12 * 3600)
    ]


def test_storage_is_the_days_largest_allocation(acct_db, controller, controller_reader):
    _importer(acct_db).storage(controller_reader, d("2026-03-01"), d("2026-03-02"))
    assert _rows(acct_db, StorageDaily, "volume_id", "bytes") == [
        (d("2026-03-01"), ALICE, V1, 20 * GB),
        (d("2026-03-01"), BOB, V2, 5 * GB),
        (d("2026-03-02"), ALICE, V1, 20 * GB),
    ]


def test_user_storage_is_the_days_largest_sample_mapped_through_system_users(
    acct_db, controller, controller_reader
):
    users = user_map(controller_reader)
    _importer(acct_db).user_storage(controller_reader, d("2026-03-01"), d("2026-03-02"), users)
    assert _rows(acct_db, UserStorageDaily, "system_username", "pool", "bytes") == [
        (d("2026-03-01"), "", "nobody", "/scratch", 7),
        (d("2026-03-01"), ALICE, "alice", "/pool", 300),
        (d("2026-03-01"), CAROL, "carol", "/pool", 50),
        (d("2026-03-02"), ALICE, "alice", "/pool", 200),
    ]


def test_reimporting_adds_or_modifies_never_duplicates(acct_db, controller, controller_reader):
    importer = _importer(acct_db, now="2026-03-02T12:00")
    users = user_map(controller_reader)
    first, last = d("2026-03-01"), d("2026-03-02")

    def run():
        importer.server_instances(controller_reader, first, last)
        importer.storage(controller_reader, first, last)
        importer.user_storage(controller_reader, first, last, users)

    run()
    early = table_dump(acct_db)
    run()
    assert table_dump(acct_db) == early
    importer.now = FrozenClock(t("2026-03-03T12:00"))  # later: the running VM has run longer
    run()
    later = table_dump(acct_db)["server_instance_daily"]
    assert len(later) == len(early["server_instance_daily"])  # modified, not added
    march_2 = [r for r in later if r[0] == d("2026-03-02")]
    assert [r[-1] for r in march_2] == [2 * 3600 + 14 * 3600]  # was 2 h + 2 h at noon


def test_the_controller_database_is_opened_read_only(controller, controller_reader):
    with pytest.raises(OperationalError), controller_reader.begin() as conn:
        conn.execute(contract.system_users.delete())
