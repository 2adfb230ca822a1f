"""common.models: the naming convention, table options and clock every app's base shares."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint

from common.models import TABLE_ARGS, naming_convention, utcnow


def test_constraint_names_follow_the_convention_the_migrations_use():
    metadata = MetaData(naming_convention=naming_convention())
    table = Table(
        "things",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(8)),
        UniqueConstraint("name"),
    )
    names = {c.name for c in table.constraints}
    assert names == {"pk_things", "uq_things_name"}


def test_each_call_gives_its_own_copy():
    first = naming_convention()
    first["pk"] = "changed"
    assert naming_convention()["pk"] == "pk_%(table_name)s"


def test_tables_are_innodb_utf8mb4_binary():
    assert TABLE_ARGS == {
        "mysql_engine": "InnoDB",
        "mysql_charset": "utf8mb4",
        "mysql_collate": "utf8mb4_bin",
    }


def test_utcnow_is_naive_utc():
    now = utcnow()
    assert now.tzinfo is None
    assert abs(now - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(seconds=5)
