"""server_instances.reconfigure_pending: the user list changed while the VM was rebooting, so it
is configured again once the reboot is over. controller_locks: rows that creates lock (FOR UPDATE)
so that a check and the insert it allows are not interleaved with another create's (free GPUs).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "server_instances",
        sa.Column("reconfigure_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    locks = op.create_table(
        "controller_locks",
        sa.Column("name", sa.String(32), primary_key=True),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.bulk_insert(locks, [{"name": "gpu"}])


def downgrade():
    op.drop_table("controller_locks")
    op.drop_column("server_instances", "reconfigure_pending")
