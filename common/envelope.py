"""The response envelopes of the SCM APIs (see shared/API.md).

Cloud Auth answers ``{"success", "message", "version", "data"}`` (``"error"`` on failure); the
Cloud Controller and Accountant answer ``{"data", "msg", "success"}``. Each app registers its
style as ``registry["scm.envelope"]``; views call ``request.ok(data)``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from dataclasses import dataclass
from typing import Any

from pyramid.renderers import JSON


@dataclass(frozen=True)
class CloudAuthEnvelope:
    version: str

    def success(self, data: Any = None, message: str = "") -> dict:
        body = {"success": True, "message": message, "version": self.version}
        if data is not None:
            body["data"] = data
        return body

    def failure(self, message: str) -> dict:
        return {"success": False, "message": message, "error": message, "version": self.version}


@dataclass(frozen=True)
class ServiceEnvelope:
    """The controller's and accountant's envelope: ``msg``, not ``message``."""

    def success(self, data: Any = None, message: str = "") -> dict:
        return {"data": data, "msg": message, "success": True}

    def failure(self, message: str) -> dict:
        return {"data": None, "msg": message, "success": False}


def utc_text(value: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` in UTC, the form SCM clients parse (first 19 characters)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds")  # seconds, cut (not rounded)


def parse_utc_text(text: str) -> dt.datetime:
    """The naive UTC moment ``utc_text`` wrote (or any longer ISO text: its first 19
    characters, as SCM clients read it)."""
    return dt.datetime.fromisoformat(text[:19])


def ok_json_text(request, data_text: str, message: str = "", **extra):
    """The response ``request.ok(data)`` renders with ``scm_json``, for ``data`` that is already
    JSON text (a large listing encoded as it is read): the same envelope, byte for byte. ``extra``
    keys go beside ``data`` (a paged listing's ``total``)."""
    envelope = request.ok(_DATA_MARK, message)
    envelope.update(extra)
    body = json.dumps(envelope).replace(json.dumps(_DATA_MARK), data_text, 1)
    response = request.response
    response.content_type = "application/json"
    response.text = body
    return response


_DATA_MARK = "\x00data\x00"  # never in a message


def _json_renderer() -> JSON:
    renderer = JSON()
    renderer.add_adapter(dt.datetime, lambda v, r: utc_text(v))
    renderer.add_adapter(dt.date, lambda v, r: v.isoformat())
    renderer.add_adapter(decimal.Decimal, lambda v, r: float(v))
    renderer.add_adapter(uuid.UUID, lambda v, r: v.hex)
    return renderer


def _ok(request, data: Any = None, message: str = "") -> dict:
    return request.registry["scm.envelope"].success(data, message)


def includeme(config):
    config.add_renderer("scm_json", _json_renderer())
    config.add_request_method(_ok, "ok")
