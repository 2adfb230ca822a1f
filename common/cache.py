"""The shared cache: token checks, OAuth nonces, rate-limit counters.

One interface, two implementations chosen by ``cache.url``: ``redis://...`` for production (shared
by every service and host, so a revocation is seen everywhere at once) and ``memory://[name]`` for
the embedded default (apps launched in one process that name the same store share it).
Values are JSON-serialisable; every key is prefixed by ``cache.prefix`` (default ``scm:``).
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlparse

from common.errors import Unavailable


class Cache(ABC):
    """Contract: TTLs are seconds (> 0); a missing or expired key reads as ``None``."""

    @abstractmethod
    def get(self, key: str) -> Any | None: ...

    @abstractmethod
    def set(self, key: str, value: Any, ttl: float) -> None: ...

    @abstractmethod
    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Set only if absent; True when this call set it (used for nonce replay checks)."""

    @abstractmethod
    def delete(self, *keys: str) -> None: ...

    @abstractmethod
    def incr(self, key: str, ttl: float) -> int:
        """Add one; the first increment starts the TTL window (fixed-window counters)."""

    @abstractmethod
    def sadd(self, key: str, member: str, ttl: float) -> None: ...

    @abstractmethod
    def smembers(self, key: str) -> set[str]: ...


class MemoryCache(Cache):
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._data: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str):
        item = self._data.get(key)
        if item is None:
            return None
        if item[0] <= self._clock():
            del self._data[key]
            return None
        return item

    def get(self, key):
        with self._lock:
            item = self._live(key)
            return None if item is None else item[1]

    def set(self, key, value, ttl):
        with self._lock:
            self._data[key] = (self._clock() + ttl, value)
            if len(self._data) > 200_000:
                self._sweep()

    def add(self, key, value, ttl):
        with self._lock:
            if self._live(key) is not None:
                return False
            self._data[key] = (self._clock() + ttl, value)
            return True

    def delete(self, *keys):
        with self._lock:
            for key in keys:
                self._data.pop(key, None)

    def incr(self, key, ttl):
        with self._lock:
            item = self._live(key)
            if item is None:
                self._data[key] = (self._clock() + ttl, 1)
                return 1
            self._data[key] = (item[0], item[1] + 1)
            return item[1] + 1

    def sadd(self, key, member, ttl):
        with self._lock:
            item = self._live(key)
            members = set(item[1]) if item else set()
            members.add(member)
            expiry = max(item[0], self._clock() + ttl) if item else self._clock() + ttl
            self._data[key] = (expiry, frozenset(members))

    def smembers(self, key):
        with self._lock:
            item = self._live(key)
            return set(item[1]) if item else set()

    def _sweep(self):
        now = self._clock()
        for key in [k for k, (exp, _) in self._data.items() if exp <= now]:
            del self._data[key]


class RedisCache(Cache):
    def __init__(self, url: str):
        import redis

        self._errors = (redis.RedisError,)
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except self._errors as exc:
            raise Unavailable(f"the cache is unavailable: {exc.__class__.__name__}") from exc

    def get(self, key):
        raw = self._call(self._redis.get, key)
        return None if raw is None else json.loads(raw)

    def set(self, key, value, ttl):
        self._call(lambda: self._redis.set(key, json.dumps(value), px=_ms(ttl)))

    def add(self, key, value, ttl):
        return bool(
            self._call(lambda: self._redis.set(key, json.dumps(value), px=_ms(ttl), nx=True))
        )

    def delete(self, *keys):
        if keys:
            self._call(self._redis.delete, *keys)

    def incr(self, key, ttl):
        def run():
            pipe = self._redis.pipeline()
            pipe.incr(key)
            pipe.pexpire(key, _ms(ttl), nx=True)
            return pipe.execute()[0]

        return int(self._call(run))

    def sadd(self, key, member, ttl):
        def run():
            pipe = self._redis.pipeline()
            pipe.sadd(key, member)
            pipe.pexpire(key, _ms(ttl), gt=True)
            pipe.pexpire(key, _ms(ttl), nx=True)
            pipe.execute()

        self._call(run)

    def smembers(self, key):
        return {m.decode() for m in self._call(self._redis.smembers, key)}


def _ms(ttl: float) -> int:
    return max(1, int(ttl * 1000))


class PrefixedCache(Cache):
    """Namespaces every key, so several SCM sites can share one Redis."""

    def __init__(self, inner: Cache, prefix: str):
        self.inner, self.prefix = inner, prefix

    def _k(self, key):
        return self.prefix + key

    def get(self, key):
        return self.inner.get(self._k(key))

    def set(self, key, value, ttl):
        self.inner.set(self._k(key), value, ttl)

    def add(self, key, value, ttl):
        return self.inner.add(self._k(key), value, ttl)

    def delete(self, *keys: str):
        self.inner.delete(*(self._k(k) for k in keys))

    def incr(self, key, ttl):
        return self.inner.incr(self._k(key), ttl)

    def sadd(self, key, member, ttl):
        self.inner.sadd(self._k(key), member, ttl)

    def smembers(self, key):
        return self.inner.smembers(self._k(key))


_named_memory_stores: dict[str, MemoryCache] = {}
_named_lock = threading.Lock()


def cache_from_url(url: str, prefix: str = "scm:") -> Cache:
    parsed = urlparse(url)
    if parsed.scheme == "memory":
        # Apps of the embedded default run in one process; a named store is shared by them.
        name = parsed.netloc or parsed.path.strip("/") or "default"
        with _named_lock:
            inner = _named_memory_stores.setdefault(name, MemoryCache())
    elif parsed.scheme in ("redis", "rediss", "unix"):
        inner = RedisCache(url)
    else:
        from common.settings import ConfigError

        raise ConfigError(
            f"setting cache.url: unknown scheme {parsed.scheme!r} (memory:// or redis://)"
        )
    return PrefixedCache(inner, prefix)


def delete_many(cache: Cache, keys: Iterable[str]) -> None:
    keys = list(keys)
    if keys:
        cache.delete(*keys)


def includeme(config):
    settings = config.get_settings()
    cache = cache_from_url(
        settings.get("cache.url", "memory://"), settings.get("cache.prefix", "scm:")
    )
    config.registry["scm.cache"] = cache
    config.add_request_method(lambda request: request.registry["scm.cache"], "cache", reify=True)
