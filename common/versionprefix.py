"""``/v1/...``, ``/v1.0/...`` and ``/v1.1/...`` reach the current API, as does no prefix.

The prefix moves from PATH_INFO to SCRIPT_NAME, so routing sees the bare path while
``request.url`` still shows what the client asked for (OAuth signatures cover it).

The same shim states what HTTP already says about a request with neither ``Content-Length`` nor
``Transfer-Encoding``: it has no body (RFC 9112, 6.3). mod_wsgi leaves ``CONTENT_LENGTH`` out and
marks its input terminated, so without this pyramid_retry's copy of the body (kept for a retry)
reads mod_wsgi's input on every GET.

It also refuses, with a 400 in the app's envelope, a path or query string that is not UTF-8 once
its percent-escapes are undone (``/%FF``): WebOb decodes both as UTF-8, and a failure there
happens before Pyramid's error views can answer (they read the path again), so the WSGI server
would answer a plain-text 500.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

_PREFIX = re.compile(r"^/v1(?:\.[01])?(?=/|$)")
NOT_UTF8 = "the request's path and query string must be UTF-8 once percent-decoded"


def is_utf8_request(environ) -> bool:
    """Whether PATH_INFO and QUERY_STRING decode as WebOb will decode them (UTF-8).

    PEP 3333 hands both over as latin-1 text of the raw bytes; PATH_INFO is already
    percent-decoded by the server, the query string is not."""
    try:
        environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
        query = environ.get("QUERY_STRING", "").encode("latin-1")
        unquote_to_bytes(query.replace(b"+", b" ")).decode("utf-8")
    except UnicodeError:
        return False
    return True


class VersionPrefix:
    def __init__(self, app):
        self.app = app
        self.registry = getattr(app, "registry", None)

    def __call__(self, environ, start_response):
        if not is_utf8_request(environ):
            return self._bad_request(start_response, NOT_UTF8)
        path = environ.get("PATH_INFO", "")
        match = _PREFIX.match(path)
        if match:
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + match.group(0)
            environ["PATH_INFO"] = path[match.end() :] or "/"
        if not environ.get("CONTENT_LENGTH") and "HTTP_TRANSFER_ENCODING" not in environ:
            environ["CONTENT_LENGTH"] = "0"
        return self.app(environ, start_response)

    def _bad_request(self, start_response, message: str):
        envelope = self.registry.get("scm.envelope") if self.registry is not None else None
        body = envelope.failure(message) if envelope is not None else {"message": message}
        data = json.dumps(body).encode()
        start_response(
            "400 Bad Request",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]


def bake_request_properties(registry) -> None:
    """Pyramid gives each request the properties registered with ``add_request_method(...,
    reify=True)`` by building a new class per request; build that class once instead, as the
    request factory, and leave Pyramid nothing to apply but the plain methods."""
    from pyramid.interfaces import IRequestExtensions, IRequestFactory
    from pyramid.request import Request

    extensions = registry.queryUtility(IRequestExtensions)
    if extensions is None or not extensions.descriptors:
        return
    base = registry.queryUtility(IRequestFactory, default=Request)
    attrs = dict(extensions.descriptors, __module__=base.__module__)
    baked = type(base.__name__, (base,), attrs)
    # As Pyramid does for its per-request classes: share the base's interface declarations, so
    # adapter lookups treat the subclass as the base.
    for name in ("__implemented__", "__provides__"):
        if hasattr(base, name):
            setattr(baked, name, getattr(base, name))
    extensions.descriptors = {}
    registry.registerUtility(baked, IRequestFactory)


def make_wsgi_app(config):
    """Every app's last step: the WSGI app behind the version-prefix shim, its request class
    built once (``bake_request_properties``). The objects made at start-up are then moved out
    of the garbage collector's sight (``gc.freeze``): full collections stop walking them, which
    removes the slow tail of large responses."""
    import gc

    config.commit()
    bake_request_properties(config.registry)
    app = VersionPrefix(config.make_wsgi_app())
    gc.freeze()
    return app
