"""The one clock every service reads (naive UTC); tests replace ``registry["scm.clock"]``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class FrozenClock:
    """A clock for tests and benchmarks: it moves only when told."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


def includeme(config):
    config.registry.setdefault("scm.clock", system_clock)
    config.add_request_method(lambda r: r.registry["scm.clock"](), "now", reify=True)


Clock = Callable[[], dt.datetime]
