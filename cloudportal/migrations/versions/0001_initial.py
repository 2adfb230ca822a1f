"""The portal's first table: portal preferences.

Revision ID: 0001
Revises:
Create Date: 2026-03-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "portal_preferences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cloudauth_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_preferences")),
        sa.UniqueConstraint(
            "cloudauth_id", "name", name=op.f("uq_portal_preferences_cloudauth_id")
        ),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(
        op.f("ix_portal_preferences_cloudauth_id"), "portal_preferences", ["cloudauth_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_portal_preferences_cloudauth_id"), table_name="portal_preferences")
    op.drop_table("portal_preferences")
