"""A cached identity's expiry is compared one way, by one function, wherever a cached token
check is read (Cloud Auth's own and the other services' CachingVerifier; issue 10, item 3)."""

from __future__ import annotations

import datetime as dt

import pytest

from common.cache import MemoryCache
from common.cloudauth_client import CloudAuthClient, CloudAuthClientSettings
from common.envelope import parse_utc_text, utc_text
from common.security import (
    CachingVerifier,
    Identity,
    cached_identity_expired,
    token_hash,
    verify_cache_key,
)

EXPIRES = dt.datetime(2026, 3, 1, 12, 0, 0)


def cached(expires: dt.datetime | None) -> dict:
    return Identity(userid="u" * 32, email="u@example.com", expires_at=expires).to_json()


@pytest.mark.parametrize(
    ("now", "expired"),
    [
        (EXPIRES - dt.timedelta(seconds=1), False),
        (EXPIRES, True),
        (EXPIRES + dt.timedelta(microseconds=1), True),
        (EXPIRES.replace(tzinfo=dt.UTC) - dt.timedelta(seconds=1), False),  # an aware clock
        (dt.datetime(2026, 3, 1, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))), False),
    ],
)
def test_expiry_is_compared_as_time(now, expired):
    assert cached_identity_expired(cached(EXPIRES), now) is expired


def test_an_identity_without_expiry_never_expires():
    assert cached_identity_expired(cached(None), dt.datetime(9000, 1, 1)) is False


def test_utc_text_reads_back_as_the_same_moment():
    assert parse_utc_text(utc_text(EXPIRES)) == EXPIRES
    assert parse_utc_text("2026-03-01T12:00:00.123456") == EXPIRES  # seconds, as written


def test_the_caching_verifier_drops_an_expired_copy():
    cache = MemoryCache()
    key = verify_cache_key(token_hash("t"))
    cache.set(key, cached(EXPIRES), 3600)
    # Never called: every answer below comes from the cached copy.
    peer = CloudAuthClient(CloudAuthClientSettings(url="http://127.0.0.1:9"))
    live = CachingVerifier(peer, cache, 60, clock=lambda: EXPIRES - dt.timedelta(seconds=1))
    assert live.verify(None, "t", "u" * 32).userid == "u" * 32
    late = CachingVerifier(peer, cache, 60, clock=lambda: EXPIRES)
    assert late.verify(None, "t", "u" * 32) is None
    assert cache.get(key) is None
