"""The accountant's schema changes only through Alembic: the migrated schema equals the models,
and the resource families and types are there as data."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cloudaccountant.models import Base
from cloudaccountant.usage.families import FAMILIES, TYPES
from cloudaccountant.usage.models import ResourceFamilyRow, ResourceTypeRow


def test_migrations_match_the_models(acct_engine):
    with acct_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [
            d
            for d in compare_metadata(context, Base.metadata)
            if not (d[0] == "remove_table" and d[1].name.startswith("alembic_version"))
        ]
    assert diff == []


def test_resource_families_and_types_are_seeded_as_data(acct_engine):
    with acct_engine.connect() as conn:
        families = conn.execute(sa.select(ResourceFamilyRow.__table__)).all()
        types = conn.execute(sa.select(ResourceTypeRow.__table__)).all()
    assert sorted(tuple(f) for f in families) == sorted(
        (f.name, f.metric, f.description) for f in FAMILIES
    )
    assert sorted(tuple(t) for t in types) == sorted(
        (t.name, t.family, t.description) for t in TYPES
    )
