"""Schema changes go only through Alembic: every app's migrated schema equals its models, on
the database under test (SQLite, or MariaDB in CI tier 2)."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


@pytest.mark.parametrize(
    ("package", "engine_fixture"), [("cloudauth", "auth_engine"), ("cloudcontroller", "cc_engine")]
)
def test_migrations_match_the_models(request, package, engine_fixture):
    engine = request.getfixturevalue(engine_fixture)
    metadata = importlib.import_module(f"{package}.models").Base.metadata
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [
            d
            for d in compare_metadata(context, metadata)
            if not (d[0] == "remove_table" and d[1].name.startswith("alembic_version"))
        ]
    assert diff == []
