"""The shared cache: token checks, OAuth nonces, rate-limit counters.

One interface, two implementations chosen by ``cache.url``: ``redis://...`` for production (shared
by every service and host, so a revocation is seen everywhere at once) and ``memory://[name]`` for
the embedded default (apps launched in one process that name the same store share it).
Values are JSON-serialisable; every key is prefixed by ``cache.prefix`` (default ``scm:``).

Token checks are read far more often than they change, and a Redis round trip costs more than
the rest of a cached check. So a reader may ask for a *local copy* (``get(key, local_copy=True)``):
each process then keeps what it read, and every ``set`` or ``delete`` through any cache on that
Redis publishes the key on a channel in the same transaction; each process applies the messages
that have reached it before it answers from a copy, and answers from Redis whenever it is not
listening (see ``LocalCopies``).
"""

from __future__ import annotations

import json
import logging
import os
import select
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlparse

from common.errors import Unavailable
from common.settings import ConfigError, Raw

log = logging.getLogger(__name__)

DEFAULT_LOCAL_COPIES = 10_000


class Cache(ABC):
    """Contract: TTLs are seconds (> 0); a missing or expired key reads as ``None``."""

    @abstractmethod
    def get(self, key: str, local_copy: bool = False) -> Any | None:
        """``local_copy``: the answer may come from this process's copy of the entry, which a
        ``set`` or ``delete`` of the key through any cache on the same store invalidates before
        it returns (a no-op for the in-process cache, which is the store itself)."""

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

    def get(self, key, local_copy=False):
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
    """``local_copies``: how many entries each process may keep copies of (0: none)."""

    def __init__(self, url: str, local_copies: int = 0):
        import redis

        self._errors = (redis.RedisError,)
        self._url = url
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        db = self._redis.connection_pool.connection_kwargs.get("db", 0)
        # Channels are server-wide; the keys in the messages carry the site's prefix.
        self.channel = f"scm:cache-invalidations:{db}"
        self.copies = LocalCopies(self, local_copies) if local_copies > 0 else None

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except self._errors as exc:
            raise Unavailable(f"the cache is unavailable: {exc.__class__.__name__}") from exc

    def close(self) -> None:
        """Drop the copies and close the listener and the connections."""
        if self.copies is not None:
            self.copies.close()
        self._redis.close()

    def get(self, key, local_copy=False):
        if local_copy and self.copies is not None:
            return self.copies.get(key)
        raw = self._call(self._redis.get, key)
        return None if raw is None else json.loads(raw)

    def get_with_ttl(self, key) -> tuple[bytes | None, float]:
        """The stored text and its remaining lifetime in seconds (0: none left, inf: no expiry),
        in one round trip."""

        def run():
            pipe = self._redis.pipeline(transaction=False)
            pipe.get(key)
            pipe.pttl(key)
            return pipe.execute()

        raw, pttl = self._call(run)
        if pttl == -1:  # kept without expiry (not written through a cache)
            return raw, float("inf")
        return raw, (pttl / 1000 if pttl and pttl > 0 else 0.0)

    def _write_and_announce(self, write, *keys):
        """``write`` and the invalidation of ``keys`` in one MULTI/EXEC: a listener has the
        message in its socket before this writer has the reply (Redis queues the listener's
        message first and writes both in the same turn of its event loop)."""

        def run():
            pipe = self._redis.pipeline(transaction=True)
            write(pipe)
            for key in keys:
                pipe.publish(self.channel, key)
            return pipe.execute()

        return self._call(run)

    def set(self, key, value, ttl):
        text = json.dumps(value)
        self._write_and_announce(lambda pipe: pipe.set(key, text, px=_ms(ttl)), key)

    def add(self, key, value, ttl):
        # Nonces and markers: never read through a local copy, so nothing to announce.
        return bool(
            self._call(lambda: self._redis.set(key, json.dumps(value), px=_ms(ttl), nx=True))
        )

    def delete(self, *keys):
        if keys:
            self._write_and_announce(lambda pipe: pipe.delete(*keys), *keys)

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


class LocalCopies:
    """This process's copies of Redis entries, kept only while it listens to the invalidation
    channel.

    - Before answering from a copy, the messages already in the listener's socket are applied
      (one non-blocking poll). A writer's message is in that socket before the writer's own
      call returns, so a revocation that has returned is never answered from a stale copy.
    - A copy is stored only when no invalidation arrived between the read from Redis and the
      store (a generation counter), so a message overtaking a read cannot be lost.
    - Until the subscription is confirmed, after any error on the listener, and in a forked
      child, there are no copies: every read goes to Redis. A (re)confirmed subscription
      starts from an empty set, since messages may have been missed before it.
    - Copies expire with the Redis entry they copy; at most ``size`` are kept (oldest first out).
    """

    def __init__(self, owner: RedisCache, size: int, clock: Callable[[], float] = time.monotonic):
        self._owner, self._size, self._clock = owner, size, clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, bytes]] = {}
        self._generation = 0
        self._pubsub = None
        self._poller = None
        self._listening = False
        self._pid = os.getpid()

    def get(self, key: str):
        if self._sync():
            item = self._entries.get(key)
            if item is not None and item[0] > self._clock():
                return json.loads(item[1])
        generation = self._generation
        raw, ttl = self._owner.get_with_ttl(key)
        if raw is None:
            return None
        if ttl > 0 and self._sync():
            with self._lock:
                if self._generation == generation and self._listening:
                    if len(self._entries) >= self._size:
                        self._evict()
                    self._entries[key] = (self._clock() + ttl, raw)
        return json.loads(raw)

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self) -> None:
        now = self._clock()
        for key in [k for k, (exp, _) in self._entries.items() if exp <= now]:
            del self._entries[key]
        while len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]

    def _sync(self) -> bool:
        """Apply the invalidations that have arrived; True while copies may be trusted."""
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the listener is the parent's
                self._pid, self._pubsub = os.getpid(), None
                self._forget()
            try:
                if self._pubsub is None:
                    self._pubsub, self._poller = self._listener()
                if self._listening and self._poller is not None and not self._poller.poll(0):
                    return True  # nothing arrived: one poll(2), no parser round
                while (message := self._pubsub.get_message(timeout=0.0)) is not None:
                    kind = message["type"]
                    if kind == "message":
                        self._entries.pop(message["data"].decode(), None)
                        self._generation += 1
                    elif kind == "subscribe":
                        self._forget()
                        self._listening = True
            except (*self._owner._errors, OSError):
                self._drop_listener()
            return self._listening

    def _listener(self):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # No silent reconnects: a reconnected listener may have missed messages, so any error
        # ends it and the next read starts a new one from an empty set.
        client = redis.Redis.from_url(
            self._owner._url,
            socket_timeout=2,
            socket_connect_timeout=2,
            retry=Retry(NoBackoff(), 0),
            protocol=2,
            client_name=f"scm-cache-copies:{os.getpid()}",  # CLIENT LIST shows who listens
        )
        pubsub = client.pubsub()
        pubsub.subscribe(self._owner.channel)
        # A drained listener has nothing buffered, so "its socket is not readable" means "no
        # message". Without access to the socket, every check goes through the parser.
        sock = getattr(pubsub.connection, "_sock", None)
        poller = None
        if sock is not None:
            poller = select.poll()
            poller.register(sock.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        return pubsub, poller

    def close(self) -> None:
        with self._lock:
            self._drop_listener()

    def _forget(self) -> None:
        self._entries.clear()
        self._generation += 1
        self._listening = False

    def _drop_listener(self) -> None:
        self._forget()
        pubsub, self._pubsub, self._poller = self._pubsub, None, None
        if pubsub is not None:
            try:
                pubsub.close()
            except Exception:  # closing a broken connection may fail too
                log.debug("closing the cache listener failed", exc_info=True)


def _ms(ttl: float) -> int:
    return max(1, int(ttl * 1000))


class PrefixedCache(Cache):
    """Namespaces every key, so several SCM sites can share one Redis."""

    def __init__(self, inner: Cache, prefix: str):
        self.inner, self.prefix = inner, prefix

    def _k(self, key):
        return self.prefix + key

    def get(self, key, local_copy=False):
        return self.inner.get(self._k(key), local_copy)

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


def cache_from_url(
    url: str, prefix: str = "scm:", local_copies: int = DEFAULT_LOCAL_COPIES
) -> Cache:
    parsed = urlparse(url)
    if parsed.scheme == "memory":
        # Apps of the embedded default run in one process; a named store is shared by them.
        name = parsed.netloc or parsed.path.strip("/") or "default"
        with _named_lock:
            inner = _named_memory_stores.setdefault(name, MemoryCache())
    elif parsed.scheme in ("redis", "rediss", "unix"):
        inner = RedisCache(url, local_copies)
    else:
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
        settings.get("cache.url", "memory://"),
        settings.get("cache.prefix", "scm:"),
        Raw(settings).int("cache.local_copies", DEFAULT_LOCAL_COPIES, minimum=0),
    )
    config.registry["scm.cache"] = cache
    config.add_request_method(lambda request: request.registry["scm.cache"], "cache", reify=True)
