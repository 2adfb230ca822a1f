"""``/auth/*``: token requests (OAuth), logins, token checks and revocation."""

from __future__ import annotations

from pyramid.view import view_config

from cloudauth.audit.services import audit
from cloudauth.ratelimit import LoginLimiter, LoginLimits
from cloudauth.tokens.login import (
    LoginFailed,
    limit_key,
    login_client_address,
    password_login,
    sso_login,
)
from cloudauth.tokens.oauth import MalformedOAuth, verify_request
from cloudauth.tokens.services import IOneTimeTokens, TokenService
from cloudauth.tokenstore.services import TokenRevocation
from cloudauth.users.services import get_user
from common.envelope import utc_text
from common.errors import BadRequest, Forbidden, Unauthorized
from common.netaddr import in_networks
from common.params import Params

JSON = "scm_json"


def _token_body(request, token: str, expires_at, user) -> dict:
    body = request.ok(
        {
            "authentication_token": token,
            "expires_at_utc": utc_text(expires_at),
            "userid": user.id,
            "email": user.email,
            "default_password": user.default_password,
        }
    )
    # SCM clients read these two at the top level of the answer.
    body["authentication_token"] = token
    body["expires_at_utc"] = utc_text(expires_at)
    return body


def _require_host(request, networks, setting: str) -> None:
    if not in_networks(request.client_addr or "", networks):
        raise Forbidden(f"this host is not in {setting}")


@view_config(route_name="auth.request_token", request_method="GET", renderer=JSON)
def request_token(request):
    message = "OAuth request refused: unknown key, bad signature, stale timestamp or reused nonce"
    try:
        user = verify_request(request)
    except MalformedOAuth as exc:
        user, message = None, exc.message
    if user is None:
        audit(request, "token.request_failed", detail=message)
        # Returned, not raised: the failure's audit row must be committed.
        request.response.status = 401
        return request.registry["scm.envelope"].failure(message)
    token, expires_at = request.find_service(TokenService).issue(user, "oauth", request.client_addr)
    audit(request, "token.issued", actor=user.id, subject=user.id, detail="oauth")
    return _token_body(request, token, expires_at, user)


def _limiter(request) -> LoginLimiter:
    settings = request.registry["scm.settings"]
    limits = LoginLimits(
        free_per_account_address=settings.login_max_failures_per_account,
        free_per_address=settings.login_max_failures_per_address,
        failing_addresses=settings.login_max_failing_addresses,
        window=settings.login_failure_window,
    )
    return LoginLimiter(request.cache, limits, request.now)


def _via(request, address: str | None) -> str:
    """Audit detail: the host that passed the client's address, when it is not the client."""
    return f" via {request.client_addr}" if address != request.client_addr else ""


def _password_login(request, setting_name: str, networks, allow_first_login: bool, source: str):
    _require_host(request, networks, setting_name)
    params = Params(request)
    login = params.optional("username", 255) or params.optional("email", 255)
    if not login or not login.strip():
        raise BadRequest("parameter username (or email) is required")
    password = params.required("password", 1024)
    address = login_client_address(request, params.optional("client_address", 64))
    limiter, account = _limiter(request), limit_key(request.db, login)
    limiter.check(account, address)
    try:
        outcome = password_login(request, login, password, allow_first_login)
    except LoginFailed as exc:
        limiter.failed(account, address)
        detail = f"{source} login={login[:64]!r}{_via(request, address)}"
        audit(request, "login.failed", client_addr=address, detail=detail)
        # Returned, not raised: the failure's audit row must be committed.
        request.response.status = 401
        return request.registry["scm.envelope"].failure(exc.message)
    limiter.succeeded(account, address)
    user = outcome.user
    token, expires_at = request.find_service(TokenService).issue(user, source, address)
    detail = f"{source}{' first login, account created' if outcome.created else ''}"
    detail += _via(request, address)
    audit(
        request,
        "login.succeeded",
        actor=user.id,
        subject=user.id,
        client_addr=address,
        detail=detail,
    )
    return _token_body(request, token, expires_at, user)


@view_config(route_name="auth.login", request_method="POST", renderer=JSON)
def login(request):
    settings = request.registry["scm.settings"]
    return _password_login(
        request, "login_allowed.hosts", settings.login_allowed_hosts, True, "login"
    )


@view_config(route_name="auth.authenticate", request_method="POST", renderer=JSON)
def authenticate(request):
    settings = request.registry["scm.settings"]
    return _password_login(
        request,
        "authenticate_allowed.hosts",
        settings.authenticate_allowed_hosts,
        False,
        "authenticate",
    )


@view_config(route_name="auth.sso_login", request_method="POST", renderer=JSON)
def sso(request):
    settings = request.registry["scm.settings"]
    if not settings.auth_sso:
        raise Forbidden("SSO logins are disabled (auth_sso = false)")
    _require_host(request, settings.login_allowed_hosts, "login_allowed.hosts")
    params = Params(request)
    address = login_client_address(request, params.optional("client_address", 64))
    outcome = sso_login(
        request,
        params.required("sso_identity", 255).strip(),
        params.required("email", 254),
        params.optional("name", 255) or "",
    )
    user = outcome.user
    token, expires_at = request.find_service(TokenService).issue(user, "sso", address)
    detail = f"sso{_via(request, address)}"
    audit(
        request,
        "login.succeeded",
        actor=user.id,
        subject=user.id,
        client_addr=address,
        detail=detail,
    )
    return _token_body(request, token, expires_at, user)


@view_config(route_name="auth.verify_token", request_method="GET", renderer=JSON)
def verify_token(request):
    params = Params(request)
    token = params.required("auth_token", 256)
    email, userid = params.optional("email", 254), params.optional("userid", 64)
    system_username = params.optional("system_username", 64)
    cloud_controller_id = params.optional("cloud_controller_id", 12)
    selectors = [email is not None, userid is not None, system_username is not None]
    if sum(selectors) != 1 or (system_username is not None) != (cloud_controller_id is not None):
        raise BadRequest(
            "give exactly one of email, userid, or system_username with cloud_controller_id"
        )
    cc_id = params.int("cloud_controller_id", minimum=1) if system_username is not None else None

    def mismatch(user: dict) -> str | None:
        if email is not None and user["email"].lower() != email.strip().lower():
            return "the token does not belong to that user"
        if userid is not None and user["id"] != userid.strip():
            return "the token does not belong to that user"
        if system_username is not None and not any(
            a["username"] == system_username and a["cloud_controller_id"] == cc_id
            for a in user["system_accounts"]
        ):
            return "the token does not belong to that system account"
        return None

    found = request.find_service(TokenService).identity_json(token)
    if found is None:
        # Not a bearer token; perhaps a one-time Scyld Cloud Workstation token (cloudauth.scw).
        return request.find_service(IOneTimeTokens).verify(request, token, mismatch)
    failure = mismatch(found["user"])
    if failure:
        raise Unauthorized(failure)
    return request.ok(found)


@view_config(route_name="auth.revoke_token", request_method="POST", renderer=JSON)
def revoke_token(request):
    """Revoke ``auth_token`` (holding it is the proof), or with a caller's own token and
    ``userid``, every token of that user (self, their account owner, or the superuser)."""
    params = Params(request)
    token = params.optional("auth_token", 256)
    target = params.optional("userid", 64)
    if (token is None) == (target is None):
        raise BadRequest("give either auth_token or userid")
    if token is not None:
        owner = request.find_service(TokenRevocation).revoke(token)
        if owner is None:
            raise Unauthorized("the token is invalid, expired or already revoked")
        audit(request, "token.revoked", actor=owner, subject=owner)
        return request.ok({"revoked": 1})
    caller = request.caller
    user = get_user(request.db, target)
    caller.require("revoke_token", user)
    count = request.find_service(TokenRevocation).revoke_all(user.id)
    audit(request, "token.revoked_all", actor=caller.id, subject=user.id, detail=f"{count} tokens")
    return request.ok({"revoked": count})
