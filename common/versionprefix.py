"""``/v1/...``, ``/v1.0/...`` and ``/v1.1/...`` reach the current API, as does no prefix.

The prefix moves from PATH_INFO to SCRIPT_NAME, so routing sees the bare path while
``request.url`` still shows what the client asked for (OAuth signatures cover it).

The same shim states what HTTP already says about a request with neither ``Content-Length`` nor
``Transfer-Encoding``: it has no body (RFC 9112, 6.3). mod_wsgi leaves ``CONTENT_LENGTH`` out and
marks its input terminated, so without this pyramid_retry's copy of the body (kept for a retry)
reads mod_wsgi's input on every GET.
"""

from __future__ import annotations

import re

_PREFIX = re.compile(r"^/v1(?:\.[01])?(?=/|$)")


class VersionPrefix:
    def __init__(self, app):
        self.app = app
        self.registry = getattr(app, "registry", None)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        match = _PREFIX.match(path)
        if match:
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + match.group(0)
            environ["PATH_INFO"] = path[match.end() :] or "/"
        if not environ.get("CONTENT_LENGTH") and "HTTP_TRANSFER_ENCODING" not in environ:
            environ["CONTENT_LENGTH"] = "0"
        return self.app(environ, start_response)


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
