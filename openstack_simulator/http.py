"""Routing, request context and error bodies shaped like each real service's."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import webob
import webob.exc

from openstack_simulator.state import Store

# Nova and Cinder share this naming of fault bodies (nova/api/openstack/wsgi.py, cinder's too).
FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
# Neutron's exception type for a bare status, when the handler gave none.
NEUTRON_TYPES = {
    400: "BadRequest",
    401: "NotAuthorized",
    403: "PolicyNotAuthorized",
    404: "NotFound",
    409: "Conflict",
    503: "ServiceUnavailable",
}


class ApiError(Exception):
    """An error answer; `kind` is the Neutron exception type where it matters."""

    def __init__(self, status: int, message: str, kind: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


def not_found(message: str, kind: str | None = None) -> ApiError:
    return ApiError(404, message, kind)


def bad_request(message: str, kind: str | None = None) -> ApiError:
    return ApiError(400, message, kind)


def conflict(message: str, kind: str | None = None) -> ApiError:
    return ApiError(409, message, kind)


def forbidden(message: str = "Policy doesn't allow this operation to be performed.") -> ApiError:
    return ApiError(403, message, "PolicyNotAuthorized")


def vstr(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> webob.Response:
    resp = webob.Response(status=status, content_type="application/json", charset="UTF-8")
    resp.text = json.dumps(body)
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def empty_response(status: int = 204, headers: dict | None = None) -> webob.Response:
    resp = webob.Response(status=status)
    resp.content_type = None
    resp.body = b""
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def error_response(service: str, request: webob.Request, err: ApiError) -> webob.Response:
    status, message = err.status, err.message
    if service == "identity":
        title = TITLES.get(status, "Error")
        return json_response(
            {"error": {"code": status, "message": message, "title": title}}, status
        )
    if service in ("compute", "volume"):
        name = FAULT_NAMES.get(status, "computeFault" if service == "compute" else "badRequest")
        return json_response({name: {"code": status, "message": message}}, status)
    if service == "networking":
        kind = err.kind or NEUTRON_TYPES.get(status, "NeutronError")
        return json_response(
            {"NeutronError": {"type": kind, "message": message, "detail": ""}}, status
        )
    # Glance answers with webob's own error pages, as glance-api does.
    exc_class = webob.exc.status_map.get(status, webob.exc.HTTPInternalServerError)
    return request.get_response(exc_class(explanation=message))


@dataclass
class Ctx:
    """What a handler needs: the store, the request, who is calling and the service's settings."""

    store: Store
    request: webob.Request
    token: dict | None = None
    microversion: tuple[int, int] = (2, 1)
    delays: dict[str, float] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return self.request.host_url

    @property
    def project_id(self) -> str:
        return self.token["project"]["id"] if self.token and self.token.get("project") else ""

    @property
    def user_id(self) -> str:
        return self.token["user"]["id"] if self.token else ""

    @property
    def is_admin(self) -> bool:
        return bool(self.token) and any(r["name"] == "admin" for r in self.token.get("roles", []))

    def json(self) -> dict:
        try:
            body = json.loads(self.request.body or b"null")
        except ValueError as exc:
            raise bad_request("Malformed request body") from exc
        if not isinstance(body, dict):
            raise bad_request("Malformed request body")
        return body

    def mv(self, major: int, minor: int) -> bool:
        """True when the request's microversion is at least major.minor."""
        return self.microversion >= (major, minor)

    def delay(self, name: str) -> float:
        return float(self.delays.get(name, 0.0))

    def now(self) -> float:
        return time.time()


Handler = Callable[..., webob.Response]


class Router:
    """Method + path-pattern routing; `{name}` captures one path segment."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern, Handler]] = []

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        regex = re.compile(
            "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern.rstrip("/")) + "/?$"
        )

        def register(func: Handler) -> Handler:
            for verb in method.split(","):
                self.routes.append((verb, regex, func))
            return func

        return register

    def dispatch(self, ctx: Ctx, path: str) -> webob.Response:
        allowed = False
        for verb, regex, func in self.routes:
            match = regex.match(path)
            if match:
                allowed = True
                if verb == ctx.request.method:
                    return func(ctx, **match.groupdict())
        if allowed:
            raise ApiError(405, "The method specified is not allowed for this resource.")
        raise not_found("The resource could not be found.")


def query_list(request: webob.Request, name: str) -> list[str]:
    return [value for value in request.GET.getall(name) if value != ""]


def paginate(
    items: list[dict], request: webob.Request, default_limit: int = 1000
) -> tuple[list[dict], str | None]:
    """Marker/limit paging as the services do it; returns the page and the next marker."""
    marker = request.GET.get("marker")
    if marker:
        ids = [item["id"] for item in items]
        if marker not in ids:
            raise bad_request(f"marker [{marker}] not found")
        items = items[ids.index(marker) + 1 :]
    try:
        limit = int(request.GET.get("limit", default_limit))
    except ValueError as exc:
        raise bad_request("limit param must be an integer") from exc
    if limit < 0:
        raise bad_request("limit param must be positive")
    limit = min(limit, default_limit)
    page = items[:limit]
    next_marker = page[-1]["id"] if page and len(items) > limit else None
    return page, next_marker
