"""masquerade: a token remembers the superuser it was issued to, the audit log names them

Revision ID: 0002_masquerade
Revises: 0001
Create Date: 2026-12-03 22:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_masquerade"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("masquerader_id", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_tokens_masquerader_id"), ["masquerader_id"])
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("masquerader_userid", sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_audit_events_masquerader_userid"), ["masquerader_userid"]
        )


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_masquerader_userid"))
        batch_op.drop_column("masquerader_userid")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_masquerader_id"))
        batch_op.drop_column("masquerader_id")
