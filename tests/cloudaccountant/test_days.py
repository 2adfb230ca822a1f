"""Calendar days in the accounting time zone and exact splitting across them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from cloudaccountant.importing.days import day_bounds, local_date, split_seconds
from tests.cloudaccountant.helpers import UTC, d, t

NEW_YORK = ZoneInfo("America/New_York")


def test_a_span_within_a_day_is_one_part():
    assert list(split_seconds(t("2026-03-01T09:00"), t("2026-03-01T11:00"), UTC)) == [
        (d("2026-03-01"), 7200)
    ]


def test_spans_across_midnight_month_and_year_ends_split_exactly():
    parts = list(split_seconds(t("2025-12-31T23:00:00"), t("2026-01-02T00:00:01"), UTC))
    assert parts == [(d("2025-12-31"), 3600), (d("2026-01-01"), 86400), (d("2026-01-02"), 1)]
    parts = list(split_seconds(t("2024-02-28T12:00"), t("2024-03-01T12:00"), UTC))
    assert parts == [(d("2024-02-28"), 43200), (d("2024-02-29"), 86400), (d("2024-03-01"), 43200)]


def test_days_follow_the_configured_zone_including_daylight_saving_changes():
    assert day_bounds(d("2026-03-08"), NEW_YORK) == (t("2026-03-08T05:00"), t("2026-03-09T04:00"))
    assert local_date(t("2026-03-02T03:00"), NEW_YORK) == d("2026-03-01")
    # The day clocks spring forward has 23 hours, the day they fall back 25.
    assert list(split_seconds(t("2026-03-08T05:00"), t("2026-03-09T04:00"), NEW_YORK)) == [
        (d("2026-03-08"), 23 * 3600)
    ]
    parts = list(split_seconds(t("2026-10-31T04:00"), t("2026-11-02T05:00"), NEW_YORK))
    assert parts == [(d("2026-10-31"), 24 * 3600), (d("2026-11-01"), 25 * 3600)]


def test_empty_and_reversed_spans_have_no_parts():
    assert list(split_seconds(t("2026-03-01T09:00"), t("2026-03-01T09:00"), UTC)) == []
    assert list(split_seconds(t("2026-03-01T10:00"), t("2026-03-01T09:00"), UTC)) == []
