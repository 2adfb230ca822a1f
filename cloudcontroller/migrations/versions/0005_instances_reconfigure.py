"""server_instances.reconfigure_pending: the user list changed while the VM was rebooting, so it
is configured again once the reboot is over.

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


def downgrade():
    op.drop_column("server_instances", "reconfigure_pending")
