"""Server-side sessions on the shared cache (``common.cache``): Redis in production, the
in-process store in the embedded default.

pyramid_session_redis needs a Redis client and has no in-process store, so this is the small
``ISession`` both modes use. The browser holds only a random id (``HttpOnly``, ``SameSite=Lax``,
``Secure`` unless turned off for the loopback demo); the data, the sign-in token included, stays
on the server. A session ends after ``idle_timeout`` without a request and ``absolute_timeout``
after it began, whatever the activity; ``rotate()`` gives it a new id (at login).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from pyramid.interfaces import ISession
from zope.interface import implementer

from common.cache import Cache, cache_from_url

KEY_PREFIX = "portal:session:"
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _valid_id(value: str | None) -> bool:
    return bool(value) and 32 <= len(value) <= 64 and set(value) <= _ID_CHARS


@implementer(ISession)
class PortalSession(dict):
    """A dict of JSON-serialisable values, saved once at the end of the request."""

    def __init__(self, store: SessionStore, session_id: str | None, record: dict | None, now):
        record = record or {}
        super().__init__(record.get("data", {}))
        self._store = store
        self.id = session_id
        self.created = record.get("created", now)
        self.new = record == {}
        self.expired = False  # set by the factory when a cookie named an ended session
        self._dirty = False

    # -- ISession -----------------------------------------------------------------------
    def changed(self) -> None:
        self._dirty = True

    def invalidate(self) -> None:
        if self.id:
            self._store.delete(self.id)
        self.clear()
        self.id = None
        self._dirty = True

    def flash(self, msg, queue: str = "", allow_duplicate: bool = True) -> None:
        key = "_f_" + queue
        messages = list(self.get(key, []))
        if allow_duplicate or msg not in messages:
            messages.append(msg)
        self[key] = messages

    def pop_flash(self, queue: str = "") -> list:
        return self.pop("_f_" + queue, [])

    def peek_flash(self, queue: str = "") -> list:
        return list(self.get("_f_" + queue, []))

    def new_csrf_token(self) -> str:
        token = secrets.token_urlsafe(32)
        self["_csrft_"] = token
        return token

    def get_csrf_token(self) -> str:
        return self.get("_csrft_") or self.new_csrf_token()

    # -- ours ---------------------------------------------------------------------------
    def rotate(self) -> None:
        """A new id for the same data (session fixation: an id known before login is
        worthless after it), and a new CSRF token."""
        if self.id:
            self._store.delete(self.id)
        self.id = None
        self.created = self._store.clock()
        self.new_csrf_token()
        self._dirty = True

    # dict mutations mark the session changed
    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._dirty = True

    def __delitem__(self, key):
        super().__delitem__(key)
        self._dirty = True

    def pop(self, key, *default):
        if key in self:
            self._dirty = True
        return super().pop(key, *default)

    def update(self, *args, **kw):
        super().update(*args, **kw)
        self._dirty = True

    def setdefault(self, key, default=None):
        if key not in self:
            self._dirty = True
        return super().setdefault(key, default)

    def clear(self):
        super().clear()
        self._dirty = True


class SessionStore:
    def __init__(self, cache: Cache, idle: float, absolute: float, clock: Callable = time.time):
        self.cache, self.idle, self.absolute, self.clock = cache, idle, absolute, clock

    def load(self, session_id: str) -> dict | None:
        record = self.cache.get(KEY_PREFIX + session_id)
        if not isinstance(record, dict):
            return None
        now = self.clock()
        if (
            now - record.get("created", 0) > self.absolute
            or now - record.get("seen", 0) > self.idle
        ):
            self.delete(session_id)
            return None
        return record

    def save(self, session: PortalSession) -> None:
        now = self.clock()
        if session.id is None:
            session.id = secrets.token_urlsafe(32)
        left = self.absolute - (now - session.created)
        ttl = max(1.0, min(self.idle, left))
        record = {"created": session.created, "seen": now, "data": dict(session)}
        self.cache.set(KEY_PREFIX + session.id, record, ttl)

    def delete(self, session_id: str) -> None:
        self.cache.delete(KEY_PREFIX + session_id)


def session_factory(settings, cache: Cache | None = None):
    """The Pyramid session factory for :class:`~cloudportal.settings.SessionSettings`."""
    store = SessionStore(
        cache or cache_from_url(settings.url, "scm:"),
        settings.idle_timeout,
        settings.absolute_timeout,
    )

    def factory(request) -> PortalSession:
        cookie = request.cookies.get(settings.cookie_name)
        record = store.load(cookie) if _valid_id(cookie) else None
        session = PortalSession(store, cookie if record else None, record, store.clock())
        session.expired = cookie is not None and record is None
        request.add_response_callback(lambda req, resp: _finish(req, resp, session))
        return session

    def _finish(request, response, session: PortalSession) -> None:
        if session.id is None and not session._dirty:
            return  # never had one, nothing stored: no cookie for anonymous page views
        if session.id is None and not dict(session):
            response.delete_cookie(settings.cookie_name, path="/")
            return
        # Saved on every request, so ``seen`` moves and the idle timeout counts from the last
        # request, not the last change.
        store.save(session)
        response.set_cookie(
            settings.cookie_name,
            session.id,
            path="/",
            secure=settings.cookie_secure,
            httponly=True,
            samesite="Lax",
        )

    factory.store = store
    return factory
