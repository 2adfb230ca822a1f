"""Issue 5: unix_ids, ssh_keys, system_groups, group_members, storage_volumes,
storage_allocations (read by the accountant), user_storage_quotas, user_storage_usage (read by
the accountant).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_members")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "ssh_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("key_type", sa.String(length=32), nullable=False),
        sa.Column("key_data", sa.String(length=4096), nullable=False),
        sa.Column("comment", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ssh_keys")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("ssh_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ssh_keys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "storage_allocations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("volume_id", sa.String(length=32), nullable=False),
        sa.Column("cloudauth_id", sa.String(length=32), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_allocations")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("storage_allocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_storage_allocations_cloudauth_id"), ["cloudauth_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_storage_allocations_volume_id"), ["volume_id"], unique=False
        )

    op.create_table(
        "storage_volumes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("cloudauth_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("driver", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=1024), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_volumes")),
        sa.UniqueConstraint("user_id", name=op.f("uq_storage_volumes_user_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("storage_volumes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_storage_volumes_cloudauth_id"), ["cloudauth_id"], unique=False
        )

    op.create_table(
        "system_groups",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("cloudauth_id", sa.String(length=32), nullable=False),
        sa.Column("domain_id", sa.String(length=32), nullable=False),
        sa.Column("group_name", sa.String(length=32), nullable=False),
        sa.Column("gid", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_groups")),
        sa.UniqueConstraint("gid", name=op.f("uq_system_groups_gid")),
        sa.UniqueConstraint("group_name", name=op.f("uq_system_groups_group_name")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("system_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_system_groups_cloudauth_id"), ["cloudauth_id"], unique=False
        )

    op.create_table(
        "unix_ids",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_unix_ids")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "user_storage_quotas",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("cloudauth_id", sa.String(length=32), nullable=False),
        sa.Column("quota_bytes", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_storage_quotas")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("user_storage_quotas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_storage_quotas_cloudauth_id"), ["cloudauth_id"], unique=False
        )

    op.create_table(
        "user_storage_usage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cloudauth_id", sa.String(length=32), nullable=True),
        sa.Column("system_name", sa.String(length=32), nullable=False),
        sa.Column("pool", sa.String(length=255), nullable=False),
        sa.Column("bytes_used", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_storage_usage")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("user_storage_usage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_storage_usage_cloudauth_id"), ["cloudauth_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_user_storage_usage_recorded_at"), ["recorded_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("user_storage_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_storage_usage_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_user_storage_usage_cloudauth_id"))

    op.drop_table("user_storage_usage")
    with op.batch_alter_table("user_storage_quotas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_storage_quotas_cloudauth_id"))

    op.drop_table("user_storage_quotas")
    op.drop_table("unix_ids")
    with op.batch_alter_table("system_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_system_groups_cloudauth_id"))

    op.drop_table("system_groups")
    with op.batch_alter_table("storage_volumes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storage_volumes_cloudauth_id"))

    op.drop_table("storage_volumes")
    with op.batch_alter_table("storage_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storage_allocations_volume_id"))
        batch_op.drop_index(batch_op.f("ix_storage_allocations_cloudauth_id"))

    op.drop_table("storage_allocations")
    with op.batch_alter_table("ssh_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ssh_keys_user_id"))

    op.drop_table("ssh_keys")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_user_id"))

    op.drop_table("group_members")
