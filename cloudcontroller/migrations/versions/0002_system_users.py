"""system_users: UNIX accounts on this controller (read by the accountant).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


def upgrade():
    op.create_table(
        "system_users",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("cloudauth_id", sa.String(32), nullable=False),
        sa.Column("system_name", sa.String(32), nullable=False),
        sa.Column("uid", sa.Integer(), nullable=True),
        sa.Column("gid", sa.Integer(), nullable=True),
        sa.Column("primary_group", sa.String(32), nullable=True),
        sa.Column("keystone_user_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_users")),
        sa.UniqueConstraint("cloudauth_id", name=op.f("uq_system_users_cloudauth_id")),
        sa.UniqueConstraint("system_name", name=op.f("uq_system_users_system_name")),
        sa.UniqueConstraint("uid", name=op.f("uq_system_users_uid")),
        **TABLE_OPTIONS,
    )


def downgrade():
    op.drop_table("system_users")
