"""Structured (JSON lines) logging, and a tween that logs each request without secrets.

The ``.ini`` names the log file through the standard ``[handler_*]`` sections, using
``common.logs.JSONFormatter``. Request lines carry method, path (never the query string, which can
hold tokens or signatures), status, duration, client address and the authenticated user id.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


access_log = logging.getLogger("scm.access")


def access_log_tween_factory(handler, registry):
    app = registry.settings.get("scm.app_name", "scm")

    def tween(request):
        if not access_log.isEnabledFor(logging.INFO):
            return handler(request)
        start = time.perf_counter()
        status = 500
        try:
            response = handler(request)
            status = response.status_int
            return response
        finally:
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "app": app,
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                    "client": getattr(request, "client_addr", request.remote_addr),
                    "userid": request.environ.get("scm.userid"),
                },
            )

    return tween


def includeme(config):
    config.add_tween("common.logs.access_log_tween_factory")
