"""job_extents: the longest job of each scheduler source, to bound a day's rebuild

Rebuilding an old day read every job that ended after it (through ``ix_jobs_ended_started``,
from the day to the end of the table) to find the few that ran into it. A job that ran into a
range ended before the range's end plus the longest job's length: with that length kept per
source, the read is one bounded index range. Filled here from the jobs already stored.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 22:40:00
"""

import sqlalchemy as sa
from alembic import op

TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_extents",
        sa.Column("resource_type", sa.String(16), nullable=False),
        sa.Column("cloud_controller_id", sa.Integer(), nullable=False),
        sa.Column("longest_seconds", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_type"],
            ["resource_types.name"],
            name=op.f("fk_job_extents_resource_type_resource_types"),
        ),
        sa.PrimaryKeyConstraint(
            "resource_type", "cloud_controller_id", name=op.f("pk_job_extents")
        ),
        **TABLE_OPTIONS,
    )
    if op.get_bind().dialect.name == "mysql":
        seconds = "TIMESTAMPDIFF(SECOND, started_at, ended_at)"
    else:
        seconds = (
            "CAST(strftime('%s', ended_at) AS INTEGER) "
            "- CAST(strftime('%s', started_at) AS INTEGER)"
        )
    op.execute(
        "INSERT INTO job_extents (resource_type, cloud_controller_id, longest_seconds) "  # noqa: S608
        f"SELECT resource_type, cloud_controller_id, MAX({seconds}) FROM jobs "
        "GROUP BY resource_type, cloud_controller_id"
    )


def downgrade():
    op.drop_table("job_extents")
