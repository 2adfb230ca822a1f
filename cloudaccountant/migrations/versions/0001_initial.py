"""initial schema: resource families and types, daily usage tables, itemised jobs

Revision ID: 0001
Revises:
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

# InnoDB (Galera needs it), utf8mb4, binary collation: comparisons behave as on SQLite.
TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

FAMILIES = [
    ("storage", "bytes", "Bytes allocated: the day's maximum per storage volume"),
    ("user_storage", "bytes", "Bytes used: the day's maximum per user and pool"),
    ("server_instance", "seconds", "Time a server-instance was powered on and available"),
    ("job", "core_seconds", "Cores allocated times wall-clock time of scheduler jobs"),
]
TYPES = [
    ("storage", "storage", "A user's $HOME storage volume"),
    ("user_storage", "user_storage", "A user's files in a shared storage pool"),
    ("server_instance", "server_instance", "A virtual machine"),
    ("slurm", "job", "Slurm Workload Manager"),
    ("pbs", "job", "PBS / Torque"),
    ("sge", "job", "Sun Grid Engine"),
    ("uge", "job", "Univa Grid Engine"),
]


def _key_columns():
    return [
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("cloud_controller_id", sa.Integer(), nullable=False),
        sa.Column("cloud_auth_userid", sa.String(length=32), nullable=False),
        sa.Column("resource_type", sa.String(length=16), nullable=False),
    ]


def _daily(name, family_columns, metric_columns):
    op.create_table(
        name,
        *_key_columns(),
        *family_columns,
        *metric_columns,
        sa.ForeignKeyConstraint(
            ["resource_type"],
            ["resource_types.name"],
            name=op.f(f"fk_{name}_resource_type_resource_types"),
        ),
        sa.PrimaryKeyConstraint(
            "date",
            "cloud_controller_id",
            "cloud_auth_userid",
            "resource_type",
            *(c.name for c in family_columns),
            name=op.f(f"pk_{name}"),
        ),
        **TABLE_OPTIONS,
    )
    op.create_index(f"ix_{name}_user_date", name, ["cloud_auth_userid", "date"])


def upgrade():
    families = op.create_table(
        "resource_families",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_resource_families")),
        **TABLE_OPTIONS,
    )
    types = op.create_table(
        "resource_types",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["family"],
            ["resource_families.name"],
            name=op.f("fk_resource_types_family_resource_families"),
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_resource_types")),
        **TABLE_OPTIONS,
    )
    op.bulk_insert(families, [{"name": n, "metric": m, "description": d} for n, m, d in FAMILIES])
    op.bulk_insert(types, [{"name": n, "family": f, "description": d} for n, f, d in TYPES])

    _daily(
        "storage_daily",
        [sa.Column("volume_id", sa.String(length=64), nullable=False)],
        [sa.Column("bytes", sa.BigInteger(), nullable=False)],
    )
    _daily(
        "user_storage_daily",
        [
            sa.Column("pool", sa.String(length=255), nullable=False),
            sa.Column("system_username", sa.String(length=64), nullable=False),
        ],
        [sa.Column("bytes", sa.BigInteger(), nullable=False)],
    )
    _daily(
        "server_instance_daily",
        [
            sa.Column("instance_id", sa.String(length=64), nullable=False),
            sa.Column("flavor_id", sa.String(length=64), nullable=False),
        ],
        [sa.Column("seconds", sa.Integer(), nullable=False)],
    )
    _daily(
        "job_daily",
        [
            sa.Column("cluster", sa.String(length=64), nullable=False),
            sa.Column("queue", sa.String(length=64), nullable=False),
            sa.Column("system_username", sa.String(length=64), nullable=False),
        ],
        [
            sa.Column("jobs", sa.Integer(), nullable=False),
            sa.Column("core_seconds", sa.BigInteger(), nullable=False),
        ],
    )

    op.create_table(
        "jobs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("cloud_controller_id", sa.Integer(), nullable=False),
        sa.Column("resource_type", sa.String(length=16), nullable=False),
        sa.Column("cluster", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("array_index", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("system_username", sa.String(length=64), nullable=False),
        sa.Column("cloud_auth_userid", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("cores", sa.Integer(), nullable=False),
        sa.Column("nodes", sa.Integer(), nullable=False),
        sa.Column("gpus", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("core_seconds", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_type"],
            ["resource_types.name"],
            name=op.f("fk_jobs_resource_type_resource_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint(
            "cloud_controller_id",
            "resource_type",
            "cluster",
            "job_id",
            "array_index",
            "submitted_at",
            "started_at",
            name="uq_jobs_run",
        ),
        **TABLE_OPTIONS,
    )
    op.create_index(
        "ix_jobs_source_ended", "jobs", ["resource_type", "cloud_controller_id", "ended_at"]
    )
    op.create_index("ix_jobs_user_ended", "jobs", ["cloud_auth_userid", "ended_at"])
    op.create_index("ix_jobs_ended_at", "jobs", ["ended_at"])


def downgrade():
    for name in (
        "jobs",
        "job_daily",
        "server_instance_daily",
        "user_storage_daily",
        "storage_daily",
    ):
        op.drop_table(name)
    op.drop_table("resource_types")
    op.drop_table("resource_families")
