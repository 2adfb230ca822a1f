"""One contract, every cache implementation (Redis when SCM_TEST_REDIS_URL is set)."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

from common.cache import MemoryCache, PrefixedCache, RedisCache, cache_from_url
from common.errors import Unavailable
from common.settings import ConfigError
from tests.conftest import skip_or_fail


class Tick:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_set_get_delete(cache):
    assert cache.get("k") is None
    cache.set("k", {"a": [1, 2]}, 60)
    assert cache.get("k") == {"a": [1, 2]}
    cache.delete("k", "absent")
    assert cache.get("k") is None


def test_add_sets_only_once(cache):
    assert cache.add("nonce", 1, 60) is True
    assert cache.add("nonce", 1, 60) is False


def test_incr_counts(cache):
    assert [cache.incr("n", 60) for _ in range(3)] == [1, 2, 3]


def test_sets(cache):
    cache.sadd("s", "a", 60)
    cache.sadd("s", "b", 60)
    cache.sadd("s", "a", 60)
    assert cache.smembers("s") == {"a", "b"}
    assert cache.smembers("none") == set()


def test_memory_entries_expire():
    tick = Tick()
    cache = MemoryCache(clock=tick)
    cache.set("k", 1, 10)
    cache.incr("n", 10)
    cache.add("a", 1, 10)
    tick.now += 10.01
    assert cache.get("k") is None
    assert cache.incr("n", 10) == 1  # a new window
    assert cache.add("a", 1, 10) is True


def test_memory_incr_is_atomic_across_threads():
    cache = MemoryCache()

    def work():
        for _ in range(1000):
            cache.incr("n", 60)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.get("n") == 4000


@pytest.fixture
def redis_cache():
    url = os.environ.get("SCM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    cache = PrefixedCache(RedisCache(url), f"scmtest:{uuid.uuid4().hex}:")
    try:
        cache.get("ping")
    except Unavailable:
        skip_or_fail(f"no Redis at {url}")
    return cache


def test_redis_entries_expire(redis_cache):
    cache = redis_cache
    cache.set("short", 1, 0.05)
    time.sleep(0.1)
    assert cache.get("short") is None


def test_named_memory_stores_are_shared_and_prefixed():
    one, two = cache_from_url("memory://shared-test"), cache_from_url("memory://shared-test")
    one.set("k", "v", 60)
    assert two.get("k") == "v"
    assert cache_from_url("memory://other-store").get("k") is None
    assert cache_from_url("memory://shared-test", prefix="site2:").get("k") is None


def test_unknown_scheme_is_a_config_error():
    with pytest.raises(ConfigError, match="cache.url"):
        cache_from_url("memcached://x")


def test_redis_down_is_unavailable_not_a_crash():
    cache = RedisCache("redis://127.0.0.1:9/0")
    with pytest.raises(Unavailable, match="cache is unavailable"):
        cache.get("k")
