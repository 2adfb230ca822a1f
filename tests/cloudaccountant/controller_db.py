"""The controller's usage tables, written out from docs/controller-usage-tables.md.

The controller is not built yet; its tables are a contract, so the tests create them here from
the document (not from the accountant's own reader) and fill them as the controller would.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
TABLE_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}

system_users = sa.Table(
    "system_users",
    metadata,
    sa.Column("id", sa.CHAR(32), primary_key=True),
    sa.Column("cloudauth_id", sa.CHAR(32), nullable=False),
    sa.Column("system_name", sa.String(32), nullable=False, unique=True),
    **TABLE_OPTIONS,
)
power_intervals = sa.Table(
    "power_intervals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("instance_id", sa.CHAR(32), nullable=False),
    sa.Column("cloudauth_id", sa.CHAR(32), nullable=False),
    sa.Column("flavor_id", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime, nullable=True),
    **TABLE_OPTIONS,
)
storage_allocations = sa.Table(
    "storage_allocations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("volume_id", sa.CHAR(32), nullable=False),
    sa.Column("cloudauth_id", sa.CHAR(32), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime, nullable=True),
    **TABLE_OPTIONS,
)
user_storage_usage = sa.Table(
    "user_storage_usage",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cloudauth_id", sa.CHAR(32), nullable=True),
    sa.Column("system_name", sa.String(32), nullable=False),
    sa.Column("pool", sa.String(255), nullable=False),
    sa.Column("bytes_used", sa.BigInteger, nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    **TABLE_OPTIONS,
)
