"""Fixed-window request counters on the shared cache (memory or Redis): "at most N of these per
key per window". A mechanism only: callers name what they count and what the key is."""

from __future__ import annotations

import hashlib

from common.cache import Cache


class FixedWindowLimiter:
    """``limit`` hits per key in a window of ``window`` seconds that starts with the key's first
    hit. Keys are hashed, so an address or an email never appears in the cache as itself."""

    def __init__(self, cache: Cache, name: str, limit: int, window: float):
        self.cache, self.name, self.limit, self.window = cache, name, limit, window

    def _key(self, key: str) -> str:
        digest = hashlib.sha256(key.strip().casefold().encode()).hexdigest()[:32]
        return f"ratelimit:{self.name}:{digest}"

    def hit(self, key: str) -> bool:
        """Count one request for ``key``; False when it is over the limit (it is still counted,
        so hammering does not reopen the window early)."""
        return self.cache.incr(self._key(key), self.window) <= self.limit

    def reset(self, key: str) -> None:
        self.cache.delete(self._key(key))
