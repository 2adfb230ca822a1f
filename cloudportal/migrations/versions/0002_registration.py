"""Registration: mailed links (token hashes), the whitelist, users seen at login.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade():
    op.create_table(
        "portal_mailed_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_mailed_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_mailed_links_token_hash")),
        **OPTIONS,
    )
    op.create_index(op.f("ix_portal_mailed_links_email"), "portal_mailed_links", ["email"])
    op.create_index(
        op.f("ix_portal_mailed_links_expires_at"), "portal_mailed_links", ["expires_at"]
    )
    op.create_table(
        "portal_whitelist",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry", sa.String(length=254), nullable=False),
        sa.Column("added_by", sa.String(length=254), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_whitelist")),
        sa.UniqueConstraint("entry", name=op.f("uq_portal_whitelist_entry")),
        **OPTIONS,
    )
    op.create_table(
        "portal_seen_users",
        sa.Column("cloudauth_id", sa.String(length=32), nullable=False),
        sa.Column("first_login_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("cloudauth_id", name=op.f("pk_portal_seen_users")),
        **OPTIONS,
    )


def downgrade():
    op.drop_table("portal_seen_users")
    op.drop_table("portal_whitelist")
    op.drop_index(op.f("ix_portal_mailed_links_expires_at"), table_name="portal_mailed_links")
    op.drop_index(op.f("ix_portal_mailed_links_email"), table_name="portal_mailed_links")
    op.drop_table("portal_mailed_links")
