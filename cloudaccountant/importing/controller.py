"""Daily rows from a cloud controller's usage tables (docs/controller-usage-tables.md).

The controller's databases are opened read-only. Each day of the range is computed whole from
the controller's rows and upserted in its own transaction, so memory stays flat over long ranges
and a re-run (or a run after a killed one) writes the same values again.

- server-instance: seconds of each power-on interval inside the day; an interval still open
  counts up to the end of the range or now, whichever comes first.
- storage: the largest size a volume had at any moment of the day.
- user storage: the largest sample of the day per user, system user and pool.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    or_,
    select,
)

from cloudaccountant.importing.days import day_bounds, days, split_seconds
from cloudaccountant.importing.upsert import upsert
from cloudaccountant.usage.models import ServerInstanceDaily, StorageDaily, UserStorageDaily

# The controller's tables, as far as the accountant reads them (a contract; see the doc above).
controller_tables = MetaData()
system_users = Table(
    "system_users",
    controller_tables,
    Column("id", String(32), primary_key=True),
    Column("cloudauth_id", String(32)),
    Column("system_name", String(32)),
)
power_intervals = Table(
    "power_intervals",
    controller_tables,
    Column("id", Integer, primary_key=True),
    Column("instance_id", String(32)),
    Column("cloudauth_id", String(32)),
    Column("flavor_id", String(64)),
    Column("started_at", DateTime),
    Column("ended_at", DateTime, nullable=True),
)
storage_allocations = Table(
    "storage_allocations",
    controller_tables,
    Column("id", Integer, primary_key=True),
    Column("volume_id", String(32)),
    Column("cloudauth_id", String(32)),
    Column("size_bytes", BigInteger),
    Column("started_at", DateTime),
    Column("ended_at", DateTime, nullable=True),
)
user_storage_usage = Table(
    "user_storage_usage",
    controller_tables,
    Column("id", Integer, primary_key=True),
    Column("cloudauth_id", String(32), nullable=True),
    Column("system_name", String(32)),
    Column("pool", String(255)),
    Column("bytes_used", BigInteger),
    Column("recorded_at", DateTime),
)


def read_only_engine(url: str) -> Engine:
    """An engine on a controller database that cannot write to it."""
    engine = create_engine(url, pool_pre_ping=url.startswith("mysql"))

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
        cursor.close()

    return engine


def user_map(engine: Engine) -> dict[str, str]:
    """System user name -> Cloud Auth user id, from the controller's system accounts."""
    with engine.connect() as conn:
        rows = conn.execute(select(system_users.c.system_name, system_users.c.cloudauth_id))
        return {name: userid for name, userid in rows if name and userid}


class ControllerImporter:
    def __init__(
        self,
        engine: Engine,
        cloud_controller_id: int,
        timezone: ZoneInfo,
        now: Callable[[], dt.datetime],
    ):
        self.engine = engine
        self.cc_id = cloud_controller_id
        self.tz = timezone
        self.now = now

    def _days(self, first: dt.date, last: dt.date, now: dt.datetime):
        for day in days(first, last):
            start, end = day_bounds(day, self.tz)
            if start >= now:
                return  # the future has no usage yet
            yield day, start, end

    def server_instances(self, source: Engine, first: dt.date, last: dt.date) -> int:
        now = self.now()
        range_end = min(day_bounds(last, self.tz)[1], now)
        t = power_intervals
        written = 0
        for day, start, end in self._days(first, last, now):
            seconds: dict[tuple, int] = defaultdict(int)
            stmt = select(
                t.c.instance_id, t.c.cloudauth_id, t.c.flavor_id, t.c.started_at, t.c.ended_at
            ).where(t.c.started_at < end, or_(t.c.ended_at.is_(None), t.c.ended_at > start))
            with source.connect() as conn:
                for instance, userid, flavor, started, ended in conn.execute(stmt):
                    stop = range_end if ended is None else min(ended, range_end)
                    span_start = max(_second(started), start)
                    span_end = min(_second(stop), end)
                    for _, part in split_seconds(span_start, span_end, self.tz):
                        seconds[(userid or "", instance, flavor or "")] += part
            rows = [
                self._key(day, "server_instance", cloud_auth_userid=user)
                | {"instance_id": instance, "flavor_id": flavor, "seconds": total}
                for (user, instance, flavor), total in seconds.items()
            ]
            written += self._upsert(ServerInstanceDaily, rows)
        return written

    def storage(self, source: Engine, first: dt.date, last: dt.date) -> int:
        now = self.now()
        t = storage_allocations
        written = 0
        for day, start, end in self._days(first, last, now):
            stmt = (
                select(t.c.cloudauth_id, t.c.volume_id, func.max(t.c.size_bytes))
                .where(t.c.started_at < end, or_(t.c.ended_at.is_(None), t.c.ended_at > start))
                .group_by(t.c.cloudauth_id, t.c.volume_id)
            )
            with source.connect() as conn:
                rows = [
                    self._key(day, "storage", cloud_auth_userid=user or "")
                    | {"volume_id": volume, "bytes": size}
                    for user, volume, size in conn.execute(stmt)
                ]
            written += self._upsert(StorageDaily, rows)
        return written

    def user_storage(
        self, source: Engine, first: dt.date, last: dt.date, users: dict[str, str]
    ) -> int:
        now = self.now()
        t = user_storage_usage
        written = 0
        for day, start, end in self._days(first, last, now):
            stmt = (
                select(t.c.cloudauth_id, t.c.system_name, t.c.pool, func.max(t.c.bytes_used))
                .where(t.c.recorded_at >= start, t.c.recorded_at < end)
                .group_by(t.c.cloudauth_id, t.c.system_name, t.c.pool)
            )
            best: dict[tuple, int] = {}
            with source.connect() as conn:
                for userid, system_name, pool, used in conn.execute(stmt):
                    # A sample taken before the system user was mapped still belongs to them.
                    key = (userid or users.get(system_name, ""), system_name, pool)
                    best[key] = max(best.get(key, 0), used)
            rows = [
                self._key(day, "user_storage", cloud_auth_userid=user)
                | {"system_username": system_name, "pool": pool, "bytes": used}
                for (user, system_name, pool), used in best.items()
            ]
            written += self._upsert(UserStorageDaily, rows)
        return written

    def _key(self, day: dt.date, resource_type: str, cloud_auth_userid: str) -> dict:
        return {
            "date": day,
            "cloud_controller_id": self.cc_id,
            "cloud_auth_userid": cloud_auth_userid,
            "resource_type": resource_type,
        }

    def _upsert(self, model, rows: list[dict]) -> int:
        table = model.__table__
        with self.engine.begin() as conn:
            for i in range(0, len(rows), 5000):
                upsert(conn, table, rows[i : i + 5000], [c.name for c in table.primary_key])
        return len(rows)


def _second(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=0)
