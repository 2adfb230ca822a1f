"""Local copies of Redis entries (``get(key, local_copy=True)``): each cache object stands for
one process; two of them on one Redis behave as two processes of a site."""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest
import redis

from common.cache import PrefixedCache, RedisCache
from common.errors import Unavailable
from common.settings import ConfigError
from tests.conftest import skip_or_fail

URL = os.environ.get("SCM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def site():
    """A fresh key prefix, a way to make "processes" on it, and a raw Redis client."""
    prefix = f"scmtest:{uuid.uuid4().hex}:"
    made = []

    def process(copies: int = 100) -> PrefixedCache:
        inner = RedisCache(URL, local_copies=copies)
        made.append(inner)
        return PrefixedCache(inner, prefix)

    raw = redis.Redis.from_url(URL)
    try:
        raw.ping()
    except redis.RedisError:
        skip_or_fail(f"no Redis at {URL}")
    yield process, prefix, raw
    for inner in made:
        inner.close()
    raw.close()


def listening(cache: PrefixedCache, key: str) -> None:
    """Read until the process listens (the subscription is confirmed asynchronously)."""
    deadline = time.monotonic() + 5
    while not cache.inner.copies._sync():
        assert time.monotonic() < deadline, "the listener never subscribed"
        time.sleep(0.01)
    cache.get(key, local_copy=True)


def test_a_copy_answers_without_asking_redis(site):
    process, prefix, raw = site
    a = process()
    a.set("verify:t", {"user": "u1"}, 60)
    listening(a, "verify:t")
    # Written behind the caches' back (no announcement): only Redis has the new value.
    raw.set(prefix + "verify:t", json.dumps({"user": "changed"}))
    assert a.get("verify:t", local_copy=True) == {"user": "u1"}
    assert a.get("verify:t") == {"user": "changed"}


def test_a_delete_in_another_process_is_seen_at_once(site):
    process, _prefix, _raw = site
    a, b = process(), process()
    for i in range(50):
        key = f"verify:{i}"
        b.set(key, {"n": i}, 60)
        listening(a, key)
        assert a.get(key, local_copy=True) == {"n": i}
        b.delete(key)
        # No wait: the message is in a's socket before b's delete returns.
        assert a.get(key, local_copy=True) is None


def test_a_set_in_another_process_replaces_the_copy_at_once(site):
    process, _prefix, _raw = site
    a, b = process(), process()
    b.set("verify:t", {"roles": ["user"]}, 60)
    listening(a, "verify:t")
    b.set("verify:t", {"roles": ["user", "superuser"]}, 60)
    assert a.get("verify:t", local_copy=True) == {"roles": ["user", "superuser"]}


def test_an_answer_is_a_fresh_object(site):
    process, _prefix, _raw = site
    a = process()
    a.set("verify:t", {"user": "u1"}, 60)
    listening(a, "verify:t")
    a.get("verify:t", local_copy=True)["user"] = "mutated by a caller"
    assert a.get("verify:t", local_copy=True) == {"user": "u1"}


def test_a_copy_expires_with_the_redis_entry(site):
    process, _prefix, _raw = site
    a = process()
    a.set("verify:t", 1, 0.3)
    listening(a, "verify:t")
    assert a.get("verify:t", local_copy=True) == 1
    time.sleep(0.35)
    assert a.get("verify:t", local_copy=True) is None


def test_a_message_that_overtakes_the_read_is_not_lost(site):
    """The entry is deleted elsewhere after this process read it from Redis but before it kept
    the copy: the copy must not be kept."""
    process, _prefix, _raw = site
    a, b = process(), process()
    b.set("verify:t", {"user": "u1"}, 60)
    listening(a, "verify:t")
    b.set("verify:other", 1, 60)  # a has no copy of verify:other yet
    inner = a.inner
    read = inner.get_with_ttl

    def read_then_lose_the_race(key):
        answer = read(key)
        b.delete("verify:other")
        return answer

    inner.get_with_ttl = read_then_lose_the_race
    assert a.get("verify:other", local_copy=True) == 1  # the read itself was right
    inner.get_with_ttl = read
    assert a.get("verify:other", local_copy=True) is None


def test_no_copies_while_the_listener_is_lost(site):
    process, prefix, raw = site
    a = process()
    a.set("verify:t", "old", 60)
    listening(a, "verify:t")
    assert a.get("verify:t", local_copy=True) == "old"
    host, port = a.inner.copies._pubsub.connection._sock.getsockname()[:2]
    assert raw.client_kill_filter(_type="pubsub", addr=f"{host}:{port}") == 1
    # A change whose message the dead listener can never receive.
    raw.set(prefix + "verify:t", json.dumps("new"), px=60_000)
    assert a.get("verify:t", local_copy=True) == "new"
    # It listens again later, and keeps copies again.
    listening(a, "verify:t")
    raw.set(prefix + "verify:t", json.dumps("newer"), px=60_000)
    assert a.get("verify:t", local_copy=True) == "new"


def test_copies_are_bounded(site):
    process, _prefix, _raw = site
    a = process(copies=3)
    for i in range(6):
        a.set(f"verify:{i}", i, 60)
    listening(a, "verify:0")
    for i in range(6):
        assert a.get(f"verify:{i}", local_copy=True) == i
    assert len(a.inner.copies) == 3


def test_without_copies_every_read_asks_redis(site):
    process, prefix, raw = site
    a = process(copies=0)
    a.set("verify:t", "old", 60)
    assert a.get("verify:t", local_copy=True) == "old"
    raw.set(prefix + "verify:t", json.dumps("new"))
    assert a.get("verify:t", local_copy=True) == "new"


def test_redis_down_is_unavailable_with_copies_on():
    cache = RedisCache("redis://127.0.0.1:9/0", local_copies=100)
    with pytest.raises(Unavailable, match="cache is unavailable"):
        cache.get("k", local_copy=True)


def test_the_setting_must_be_a_whole_number():
    from pyramid.config import Configurator

    for bad in ("many", "-1"):
        config = Configurator(settings={"cache.url": URL, "cache.local_copies": bad})
        with pytest.raises(ConfigError, match="cache.local_copies"):
            config.include("common.cache")
