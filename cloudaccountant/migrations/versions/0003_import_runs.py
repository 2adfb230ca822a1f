"""import_runs: one row per import_* run (source, range, times, counts, exit status)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 20:00:00
"""

import sqlalchemy as sa
from alembic import op

# InnoDB (Galera needs it), utf8mb4, binary collation, as the other tables.
TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("controllers", sa.String(255), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("lines_read", sa.BigInteger(), nullable=True),
        sa.Column("rows_written", sa.BigInteger(), nullable=False),
        sa.Column("lines_rejected", sa.BigInteger(), nullable=False),
        sa.Column("exit_status", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_import_runs"),
        **TABLE_OPTIONS,
    )
    op.create_index("ix_import_runs_source_last", "import_runs", ["source", "last_date"])


def downgrade():
    op.drop_index("ix_import_runs_source_last", table_name="import_runs")
    op.drop_table("import_runs")
