"""Report periods: calendar days of ``accounting.timezone`` folded into ISO weeks, months or
years. Daily rows already carry the local date, so a month here is the zone's month."""

from __future__ import annotations

import datetime as dt

GRANULARITIES = ("day", "week", "month", "year")


def period_of(day: dt.date, granularity: str) -> tuple[str, dt.date]:
    """``(label, first day)`` of the period holding ``day``: ``2026-03-08``, ``2026-W10``,
    ``2026-03``, ``2026``. The label sorts in time order within one granularity."""
    if granularity == "day":
        return day.isoformat(), day
    if granularity == "week":
        year, week, weekday = day.isocalendar()
        return f"{year}-W{week:02d}", day - dt.timedelta(days=weekday - 1)
    if granularity == "month":
        return f"{day.year}-{day.month:02d}", day.replace(day=1)
    return f"{day.year}", day.replace(month=1, day=1)
