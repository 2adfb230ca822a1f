"""The WSGI application: one port, path-routed like a small devstack.

/identity    Keystone v3          /compute/v2.1   Nova 2.1
/volume/v3   Cinder v3            /image/v2       Glance v2
/networking/v2.0  Neutron v2.0    /admin          the simulator's own test controls
"""

from __future__ import annotations

import logging
import time
import uuid

import webob

from openstack_simulator import (  # noqa: F401 - importing registers routes and transitions
    cinder,
    glance,
    glance_members,
    keystone,
    keystone_resources,
    neutron,
    neutron_l3,
    nova,
    nova_servers,
)
from openstack_simulator.faults import admin_router
from openstack_simulator.http import (
    ApiError,
    Ctx,
    error_response,
    json_response,
    not_found,
    vstr,
)
from openstack_simulator.state import Store

log = logging.getLogger(__name__)

DEFAULT_DELAYS = {"build": 2.0, "volume": 1.0, "delete": 0.5, "reboot": 1.0}
NOT_UTF8 = "The path and query string must be UTF-8 once percent-decoded."
UNAVAILABLE = "The server is currently unavailable. Please try again at a later time."
# service -> (router, versioned prefix, microversion header name, min, max)
SERVICES = {
    "identity": (keystone.router, "", None, None, None),
    "compute": (nova.router, "/v2.1", "compute", nova.MIN_VERSION, nova.MAX_VERSION),
    "volume": (cinder.router, "/v3", "volume", cinder.MIN_VERSION, cinder.MAX_VERSION),
    "image": (glance.router, "/v2", None, None, None),
    "networking": (neutron.router, "/v2.0", None, None, None),
}


def parse_version(text: str) -> tuple[int, int]:
    major, _, minor = text.strip().partition(".")
    return int(major), int(minor)


class Simulator:
    """A WSGI callable over one state file."""

    def __init__(self, store: Store, delays: dict[str, float] | None = None):
        self.store = store
        self.delays = {**DEFAULT_DELAYS, **(delays or {})}

    def __call__(self, environ, start_response):
        request = webob.Request(environ)
        try:  # WebOb decodes both as UTF-8; a failure would escape every handler below
            request.path_info, request.GET  # noqa: B018
        except UnicodeDecodeError:
            body = {"error": {"code": 400, "message": NOT_UTF8, "title": "Bad Request"}}
            return json_response(body, 400)(environ, start_response)
        service = request.path_info.strip("/").split("/", 1)[0]
        try:
            response = self.handle(request, service)
        except ApiError as err:
            if err.status == 401:
                response = error_response("identity", request, err)
                response.headers["WWW-Authenticate"] = f'Keystone uri="{request.host_url}/identity"'
            else:
                response = error_response(service, request, err)
        except Exception:
            log.exception("simulator failure on %s %s", request.method, request.path_info)
            response = error_response(service, request, ApiError(500, "Unexpected API Error."))
        return response(environ, start_response)

    def current_delays(self) -> dict[str, float]:
        return {**self.delays, **self.store.setting("delays", {})}

    def handle(self, request: webob.Request, service: str) -> webob.Response:
        if service == "":
            return json_response({"services": sorted(SERVICES), "admin": "/admin"})
        if service == "admin":
            ctx = Ctx(self.store, request, delays=self.current_delays())
            return admin_router.dispatch(ctx, "/" + request.path_info.strip("/").partition("/")[2])
        if service not in SERVICES:
            raise not_found("The resource could not be found.")
        self._faults(service)
        router, prefix, header, low, high = SERVICES[service]
        rest = request.path_info[len(service) + 1 :].rstrip("/")
        if rest == "" or (prefix and rest == prefix) or (service == "identity" and rest == "/v3"):
            return self._versions(request, service, rest)
        if not rest.startswith(prefix + "/"):
            raise not_found("The resource could not be found.")
        path = rest[len(prefix) :]
        if service == "networking" and path.endswith(".json"):
            path = path[: -len(".json")]
        ctx = Ctx(self.store, request, delays=self.current_delays())
        public = service == "identity" and path == "/v3/auth/tokens" and request.method == "POST"
        ctx.token = keystone.validate_token(self.store, request.headers.get("X-Auth-Token"))
        if ctx.token is None and not public:
            raise ApiError(401, keystone.UNAUTHORIZED)
        if service == "volume":
            project_id, _, tail = path.lstrip("/").partition("/")
            if project_id != ctx.project_id and not ctx.is_admin:
                raise ApiError(400, "Malformed request url")
            path = "/" + tail
        headers = {}
        if header:
            ctx.microversion = self._microversion(request, header, low, high)
            version = vstr(ctx.microversion)
            headers = {
                "OpenStack-API-Version": f"{header} {version}",
                "Vary": "OpenStack-API-Version",
            }
            if service == "compute":
                headers["X-OpenStack-Nova-API-Version"] = version
                headers["Vary"] += ", X-OpenStack-Nova-API-Version"
        self.store.settle()
        response = router.dispatch(ctx, path)
        for name, value in headers.items():
            response.headers[name] = value
        response.headers["X-Openstack-Request-Id"] = "req-" + uuid.uuid4().hex
        return response

    def _faults(self, service: str) -> None:
        slow = self.store.take_fault("slow", service)
        if slow:
            time.sleep(float(slow["seconds"]))
        if self.store.take_fault("unavailable", service):
            raise ApiError(503, UNAVAILABLE, "ServiceUnavailable")

    @staticmethod
    def _microversion(request, header: str, low, high) -> tuple[int, int]:
        wanted = None
        for value in request.headers.get("OpenStack-API-Version", "").split(","):
            name, _, version = value.strip().partition(" ")
            if name.lower() == header:
                wanted = version.strip()
        if wanted is None and header == "compute":
            wanted = request.headers.get("X-OpenStack-Nova-API-Version")
        if not wanted:
            return low
        if wanted == "latest":
            return high
        try:
            version = parse_version(wanted)
        except ValueError as exc:
            raise ApiError(
                400,
                f"API Version String {wanted} is of invalid format. Must be of "
                "format MajorNum.MinorNum.",
            ) from exc
        if not low <= version <= high:
            raise ApiError(
                406,
                f"Version {wanted} is not supported by the API. Minimum is "
                f"{vstr(low)} and maximum is {vstr(high)}.",
            )
        return version

    @staticmethod
    def _versions(request: webob.Request, service: str, rest: str) -> webob.Response:
        base = request.host_url
        if service == "identity":
            v3 = {
                "id": "v3.14",
                "status": "stable",
                "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": f"{base}/identity/v3/"}],
                "media-types": [
                    {
                        "base": "application/json",
                        "type": "application/vnd.openstack.identity-v3+json",
                    }
                ],
            }
            if rest == "/v3":
                return json_response({"version": v3})
            return json_response({"versions": {"values": [v3]}}, 300)
        if service == "compute":
            if rest:
                return json_response({"version": nova.version_doc(base)})
            return json_response(nova.versions_doc(base))
        if service == "volume":
            return json_response(cinder.versions_doc(base), 300 if not rest else 200)
        if service == "image":
            return json_response(glance.versions_doc(base), 300)
        return json_response(neutron.versions_doc(base))
