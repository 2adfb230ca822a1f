"""``/auth/account_status``, ``/auth/register``, ``/auth/reset_password``: from hosts in
``login_allowed.hosts`` only (the portal), counted per client address, audited."""

from __future__ import annotations

from pyramid.view import view_config

from cloudauth.audit.services import audit
from cloudauth.registration.services import Registration
from cloudauth.tokens.login import LoginService
from cloudauth.users.services import user_json
from common.errors import Forbidden
from common.netaddr import in_networks
from common.params import Params

JSON = "scm_json"


def _portal_call(request) -> tuple[Params, str | None, Registration]:
    """The host check, the client the call is for, and its count against the limit."""
    settings = request.registry["scm.settings"]
    if not in_networks(request.client_addr or "", settings.login_allowed_hosts):
        raise Forbidden("this host is not in login_allowed.hosts")
    params = Params(request)
    address = request.find_service(LoginService).client_address(
        request.client_addr, params.optional("client_address", 64)
    )
    registration = request.find_service(Registration)
    registration.count_request(address or "-")
    return params, address, registration


def _via(request, address: str | None) -> str:
    return f" via {request.client_addr}" if address != request.client_addr else ""


@view_config(route_name="auth.account_status", request_method="GET", renderer=JSON)
def account_status(request):
    """What kind of account an address has, so the portal mails the right thing (a link, a
    note, or nothing). The portal never shows this answer to the visitor."""
    params, _, registration = _portal_call(request)
    return request.ok(registration.status(params.required("email", 254)).to_json())


@view_config(route_name="auth.register", request_method="POST", renderer=JSON)
def register(request):
    params, address, registration = _portal_call(request)
    role = (params.optional("default_role", 32) or "").strip()
    user = registration.register(
        params.required("email", 254),
        (params.optional("name", 255) or "").strip(),
        params.required("password", 1024),
        role,
    )
    audit(
        request,
        "user.registered",
        actor=user.id,
        subject=user.id,
        client_addr=address,
        detail=f"source=portal role={role or '-'}{_via(request, address)}",
    )
    request.response.status = 201
    return request.ok(user_json(user, None), "user registered")


@view_config(route_name="auth.reset_password", request_method="POST", renderer=JSON)
def reset_password(request):
    params, address, registration = _portal_call(request)
    user, revoked = registration.reset_password(
        params.required("email", 254), params.required("password", 1024)
    )
    audit(
        request,
        "user.password_reset",
        actor=user.id,
        subject=user.id,
        client_addr=address,
        detail=f"{revoked} tokens revoked{_via(request, address)}",
    )
    return request.ok({"userid": user.id, "revoked_tokens": revoked}, "password reset")
