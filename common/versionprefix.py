"""``/v1/...``, ``/v1.0/...`` and ``/v1.1/...`` reach the current API, as does no prefix.

The prefix moves from PATH_INFO to SCRIPT_NAME, so routing sees the bare path while
``request.url`` still shows what the client asked for (OAuth signatures cover it).
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
        return self.app(environ, start_response)


def make_wsgi_app(config):
    """Every app's last step: the WSGI app behind the version-prefix shim. The objects made at
    start-up are then moved out of the garbage collector's sight (``gc.freeze``): full
    collections stop walking them, which removes the slow tail of large responses."""
    import gc

    app = VersionPrefix(config.make_wsgi_app())
    gc.freeze()
    return app
