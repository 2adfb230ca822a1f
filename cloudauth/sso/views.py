"""``POST /auth/sso_admin_login``: see :mod:`cloudauth.sso` for the trust model."""

from __future__ import annotations

from pyramid.view import view_config

from cloudauth.audit.services import audit
from cloudauth.sso.services import SsoAdminLogin
from cloudauth.tokens.login import LoginService
from cloudauth.tokens.views import _require_host, _token_body
from common.errors import Forbidden
from common.params import Params


@view_config(route_name="auth.sso_admin_login", request_method="POST", renderer="scm_json")
def sso_admin_login(request):
    settings = request.registry["scm.settings"]
    if not settings.auth_sso:
        raise Forbidden("SSO logins are disabled (auth_sso = false)")
    _require_host(request, settings.login_allowed_hosts, "login_allowed.hosts")
    if not settings.auth_sso_admin_attributes:
        raise Forbidden("auth_sso.admin_attributes is not set: no SSO user may act as admin")
    params = Params(request)
    sso_token = params.required("auth_token", 256)
    address = request.find_service(LoginService).client_address(
        request.client_addr, params.optional("client_address", 64)
    )
    done = request.find_service(SsoAdminLogin).escalate(sso_token, address)
    sso_user, admin = done.sso_user, done.admin
    audit(
        request,
        "login.sso_admin",
        actor=sso_user.id,
        subject=admin.id,
        client_addr=address,
        detail=(
            f"SSO user {sso_user.email} ({sso_user.sso_identity}) logged in as "
            f"{admin.username}{_via(request, address)}"
        ),
    )
    body = _token_body(request, done.token, done.expires_at, admin)
    body["data"]["sso_userid"] = sso_user.id
    return body


def _via(request, address: str | None) -> str:
    """Audit detail: the host that passed the client's address, when it is not the client."""
    return f" via {request.client_addr}" if address != request.client_addr else ""
