"""jobs: one index on end time for every reader, cheaper to maintain on import

Every secondary index keyed by ``ended_at`` is written in no particular order on import (a
scheduler lists jobs by id, not by end), so each costs about as much as the row itself.
``ix_jobs_source_ended`` (resource_type, cloud_controller_id, ended_at) duplicated
``ix_jobs_ended_at``: MariaDB already chose the latter for the importer's day ranges. Both go;
``ix_jobs_ended_started`` (ended_at, started_at) serves the importer's day ranges (its
"started before the day" test answered from the index) and the API's end-time ranges, and
``ix_jobs_resource_type`` (appended to in insertion order, almost free) serves the foreign key
that the dropped index served on MariaDB.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08 09:00:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # Created before the drops: MariaDB keeps the foreign key's index until another serves it.
    op.create_index("ix_jobs_resource_type", "jobs", ["resource_type"])
    op.create_index("ix_jobs_ended_started", "jobs", ["ended_at", "started_at"])
    op.drop_index("ix_jobs_source_ended", table_name="jobs")
    op.drop_index("ix_jobs_ended_at", table_name="jobs")


def downgrade():
    op.create_index(
        "ix_jobs_source_ended", "jobs", ["resource_type", "cloud_controller_id", "ended_at"]
    )
    op.create_index("ix_jobs_ended_at", "jobs", ["ended_at"])
    op.drop_index("ix_jobs_ended_started", table_name="jobs")
    op.drop_index("ix_jobs_resource_type", table_name="jobs")
