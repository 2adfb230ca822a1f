"""Daily summaries and itemised jobs, read a page at a time with a keyset cursor.

Rows come sorted by date, cloud_controller_id, cloud_auth_userid, resource type, then the
family's own fields (for itemised jobs: end time, then the same, then the job's identity). A
page holds at most ``MAX_PAGE`` rows; ``next`` is the sort key of its last row, encoded, and is
passed back as ``after`` to read on.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Date, DateTime, Integer, and_, or_, select
from sqlalchemy.orm import Session

from cloudaccountant.access import Scope
from cloudaccountant.importing.days import day_bounds
from cloudaccountant.usage.models import (
    Job,
    JobDaily,
    ServerInstanceDaily,
    StorageDaily,
    UserStorageDaily,
)
from common.errors import BadRequest
from common.params import FIRST_DATE, INT64_MAX, LAST_DATE, parse_date, parse_int

MAX_PAGE = 1200
USER_INDEX_SUFFIXES = ("_user_date", "_user_ended")
KEY = ("date", "cloud_controller_id", "cloud_auth_userid", "resource_type")


@dataclass(frozen=True)
class Listing:
    """One API listing: its table, its sort key, and how a row is shown."""

    model: type
    sort: tuple[str, ...]
    fields: tuple[str, ...]
    derived: tuple[tuple[str, str, int], ...] = ()  # (name, source field, divisor)
    by_end_time: bool = False  # itemised jobs: the date range applies to their end


LISTINGS = {
    "storage": Listing(StorageDaily, (*KEY, "volume_id"), (*KEY, "volume_id", "bytes")),
    "user_storage": Listing(
        UserStorageDaily,
        (*KEY, "pool", "system_username"),
        (*KEY, "pool", "system_username", "bytes"),
    ),
    "server_instance": Listing(
        ServerInstanceDaily,
        (*KEY, "instance_id", "flavor_id"),
        (*KEY, "instance_id", "flavor_id", "seconds"),
        (("hours", "seconds", 3600),),
    ),
    "job": Listing(
        JobDaily,
        (*KEY, "cluster", "queue", "system_username"),
        (*KEY, "cluster", "queue", "system_username", "jobs", "core_seconds"),
        (("core_hours", "core_seconds", 3600),),
    ),
    "job_detail": Listing(
        Job,
        (
            "ended_at",
            "cloud_controller_id",
            "cloud_auth_userid",
            "resource_type",
            "cluster",
            "job_id",
            "array_index",
            "submitted_at",
            "started_at",
        ),
        (
            "cloud_controller_id",
            "cloud_auth_userid",
            "resource_type",
            "cluster",
            "job_id",
            "array_index",
            "name",
            "system_username",
            "account",
            "queue",
            "submitted_at",
            "started_at",
            "ended_at",
            "cores",
            "nodes",
            "gpus",
            "state",
            "core_seconds",
        ),
        (("core_hours", "core_seconds", 3600),),
        by_end_time=True,
    ),
}


@dataclass(frozen=True)
class UsageQuery:
    start_date: dt.date
    end_date: dt.date
    scope: Scope
    cloud_controller_id: int | None = None
    after: str | None = None
    limit: int = MAX_PAGE


def encode_cursor(values) -> str:
    text = json.dumps(
        [v.isoformat() if isinstance(v, dt.date) else v for v in values], ensure_ascii=False
    )
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(listing: Listing, cursor: str) -> list:
    """The sort key a cursor holds, each value checked against its column (type, range,
    length): a cursor is client input, and nothing unbounded reaches SQL."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode())
        if not isinstance(values, list) or len(values) != len(listing.sort):
            raise ValueError
        table = listing.model.__table__
        return [_key_value(table.c[n].type, v) for n, v in zip(listing.sort, values, strict=True)]
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError, BadRequest):
        raise BadRequest("parameter after is not a cursor this listing returned") from None


_INT_BOUNDS = {BigInteger: INT64_MAX, Integer: 2**31 - 1}


def _key_value(kind, value):
    if isinstance(kind, DateTime):
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is not None or not FIRST_DATE <= moment.date() <= LAST_DATE:
            raise ValueError
        return moment
    if isinstance(kind, Date):
        return parse_date(value, "after")
    if isinstance(kind, Integer):
        bound = next(b for t, b in _INT_BOUNDS.items() if isinstance(kind, t))
        number = (
            parse_int(value, minimum=-bound - 1, maximum=bound) if isinstance(value, int) else None
        )
        if number is None:
            raise ValueError
        return number
    if not isinstance(value, str) or len(value) > (kind.length or 255):
        raise ValueError
    return value


def _after(columns, values):
    """``(c1, c2, ...) > (v1, v2, ...)`` spelled out, which every database plans well."""
    clauses = []
    for i, column in enumerate(columns):
        equal = [columns[j] == values[j] for j in range(i)]
        clauses.append(and_(*equal, column > values[i]))
    return or_(*clauses)


def list_usage(db: Session, listing: Listing, query: UsageQuery, timezone: ZoneInfo) -> dict:
    table = listing.model.__table__
    sort = [table.c[name] for name in listing.sort]
    stmt = select(*(table.c[f] for f in dict.fromkeys((*listing.sort, *listing.fields))))
    if listing.by_end_time:
        first, _ = day_bounds(query.start_date, timezone)
        _, last = day_bounds(query.end_date, timezone)
        stmt = stmt.where(table.c.ended_at >= first, table.c.ended_at < last)
    else:
        stmt = stmt.where(table.c.date >= query.start_date, table.c.date <= query.end_date)
    if query.cloud_controller_id is not None:
        stmt = stmt.where(table.c.cloud_controller_id == query.cloud_controller_id)
    if query.scope.userids is not None:
        if not query.scope.userids:
            return {"rows": [], "next": None}
        stmt = stmt.where(table.c.cloud_auth_userid.in_(sorted(query.scope.userids)))
        # A few users' rows out of many: MariaDB's cost model prefers walking the primary key by
        # date and filtering (~1% of rows match), several times slower than reading those users'
        # rows through their index and sorting them (bench/accountant_import.py).
        user_index = next(i.name for i in table.indexes if i.name.endswith(USER_INDEX_SUFFIXES))
        stmt = stmt.with_hint(table, f"FORCE INDEX ({user_index})", "mysql")
    if query.after:
        stmt = stmt.where(_after(sort, decode_cursor(listing, query.after)))
    rows = db.execute(stmt.order_by(*sort).limit(query.limit + 1)).mappings().all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    shown = [_show(listing, row) for row in rows]
    following = encode_cursor([rows[-1][n] for n in listing.sort]) if more else None
    return {"rows": shown, "next": following}


class UsageSummaries:
    """The summaries API's one service: a page of one listing for a resolved query."""

    def __init__(self, db: Session, timezone: ZoneInfo):
        self.db, self.timezone = db, timezone

    def page(self, listing: str, query: UsageQuery) -> dict:
        """``{"rows": [...], "next": cursor or None}``; ``listing`` is a key of LISTINGS."""
        return list_usage(self.db, LISTINGS[listing], query, self.timezone)


def _show(listing: Listing, row) -> dict:
    body = {name: row[name] for name in listing.fields}
    for name, source, divisor in listing.derived:
        body[name] = row[source] / divisor
    return body
