"""Calendar days in the accounting time zone, and spans of time split across them.

Every stored datetime is naive UTC. A day is ``[local midnight, next local midnight)`` in the
configured zone, so a day across a DST change lasts 23 or 25 hours. Splitting is by exact overlap
in whole seconds: the parts always add up to the whole span.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants (naive) where ``day`` starts and ends in ``tz``."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(day + ONE_DAY, dt.time(), tzinfo=tz)
    return (
        start.astimezone(UTC).replace(tzinfo=None),
        end.astimezone(UTC).replace(tzinfo=None),
    )


def range_bounds(first: dt.date, last: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants bounding the days ``first`` to ``last``, both inclusive."""
    return day_bounds(first, tz)[0], day_bounds(last, tz)[1]


def local_date(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    if tz is UTC or tz.key == "UTC":
        return moment.date()
    return moment.replace(tzinfo=UTC).astimezone(tz).date()


def split_seconds(
    start: dt.datetime, end: dt.datetime, tz: ZoneInfo
) -> Iterator[tuple[dt.date, int]]:
    """``(day, seconds)`` for each local day the span ``[start, end)`` overlaps."""
    if end <= start:
        return
    day = local_date(start, tz)
    last = local_date(end, tz)
    if day == last:
        yield day, int((end - start).total_seconds())
        return
    cursor = start
    while cursor < end:
        boundary = min(day_bounds(day, tz)[1], end)
        seconds = int((boundary - cursor).total_seconds())
        if seconds > 0:
            yield day, seconds
        cursor = boundary
        day += ONE_DAY


def days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY
