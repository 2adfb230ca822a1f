"""Issue 4: server_instances, server_instance_users, power_intervals (read by the accountant).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


def upgrade():
    op.create_table(
        "server_instances",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("cloudauth_id", sa.String(32), nullable=False),
        sa.Column("image_id", sa.String(64), nullable=False),
        sa.Column("flavor_id", sa.String(64), nullable=False),
        sa.Column("hostname", sa.String(64), nullable=False),
        sa.Column("desired", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("phase_started_at", sa.DateTime(), nullable=True),
        sa.Column("status_reason", sa.String(1024), nullable=True),
        sa.Column("reboot_pending", sa.Boolean(), nullable=False),
        sa.Column("boot_volume_id", sa.String(64), nullable=True),
        sa.Column("server_id", sa.String(64), nullable=True),
        sa.Column("floating_ip_id", sa.String(64), nullable=True),
        sa.Column("security_group_id", sa.String(64), nullable=True),
        sa.Column("public_ip", sa.String(64), nullable=True),
        sa.Column("private_ip", sa.String(64), nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_instances")),
        **TABLE_OPTIONS,
    )
    op.create_index(op.f("ix_server_instances_cloudauth_id"), "server_instances", ["cloudauth_id"])
    op.create_index(
        "ix_server_instances_pending_lease", "server_instances", ["pending", "lease_until"]
    )
    op.create_table(
        "server_instance_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("instance_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("can_power", sa.Boolean(), nullable=False),
        sa.Column("can_delete", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["server_instances.id"],
            name=op.f("fk_server_instance_users_instance_id_server_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_instance_users")),
        sa.UniqueConstraint(
            "instance_id", "user_id", name=op.f("uq_server_instance_users_instance_id")
        ),
        **TABLE_OPTIONS,
    )
    op.create_index(
        op.f("ix_server_instance_users_instance_id"), "server_instance_users", ["instance_id"]
    )
    op.create_index(op.f("ix_server_instance_users_user_id"), "server_instance_users", ["user_id"])
    op.create_table(
        "power_intervals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("instance_id", sa.String(32), nullable=False),
        sa.Column("cloudauth_id", sa.String(32), nullable=False),
        sa.Column("flavor_id", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_power_intervals")),
        **TABLE_OPTIONS,
    )
    op.create_index(op.f("ix_power_intervals_instance_id"), "power_intervals", ["instance_id"])
    op.create_index(op.f("ix_power_intervals_cloudauth_id"), "power_intervals", ["cloudauth_id"])
    op.create_index(op.f("ix_power_intervals_started_at"), "power_intervals", ["started_at"])


def downgrade():
    op.drop_table("power_intervals")
    op.drop_table("server_instance_users")
    op.drop_table("server_instances")
