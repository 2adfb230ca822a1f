"""``/auth/*``: token requests (OAuth), logins, token checks and revocation."""

from __future__ import annotations

from pyramid.view import view_config, view_defaults

from cloudauth.audit.services import AuditLog
from cloudauth.tokens.login import LoginFailed, LoginRequest, LoginService, SignedIn
from cloudauth.tokens.oauth import MalformedOAuth, OAuthCheck, oauth_parts
from cloudauth.tokens.services import IOneTimeTokens, TokenService
from cloudauth.tokens.sso_attributes import admin_eligible, forwarded_attributes
from cloudauth.tokenstore.services import TokenRevocation
from cloudauth.users.services import UserService
from common.envelope import utc_text
from common.errors import BadRequest, Forbidden, Unauthorized
from common.netaddr import in_networks
from common.params import Params


def _token_body(request, token: str, expires_at, user) -> dict:
    body = request.ok(
        {
            "authentication_token": token,
            "expires_at_utc": utc_text(expires_at),
            "userid": user.id,
            "email": user.email,
            "default_password": user.default_password,
            # the portal's registration whitelist applies to an LDAP user's first login
            "registration_source": user.registration_source,
        }
    )
    # SCM clients read these two at the top level of the answer.
    body["authentication_token"] = token
    body["expires_at_utc"] = utc_text(expires_at)
    return body


def _signed_in(request, done: SignedIn) -> dict:
    return _token_body(request, done.token, done.expires_at, done.user)


def _refused(request, message: str) -> dict:
    """A 401 returned, not raised: the failure's audit row must be committed."""
    request.response.status = 401
    return request.registry["scm.envelope"].failure(message)


def _require_host(request, networks, setting: str) -> None:
    if not in_networks(request.client_addr or "", networks):
        raise Forbidden(f"this host is not in {setting}")


@view_defaults(renderer="scm_json")
class AuthViews:
    def __init__(self, request):
        self.request = request
        self.settings = request.registry["scm.settings"]

    @view_config(route_name="auth.request_token", request_method="GET")
    def request_token(self):
        request = self.request
        message = (
            "OAuth request refused: unknown key, bad signature, stale timestamp or reused nonce"
        )
        try:
            user = request.find_service(OAuthCheck).verify(*oauth_parts(request))
        except MalformedOAuth as exc:
            user, message = None, exc.message
        audit = request.find_service(AuditLog)
        if user is None:
            audit.record("token.request_failed", detail=message)
            return _refused(request, message)
        token, expires_at = request.find_service(TokenService).issue(
            user, "oauth", request.client_addr
        )
        audit.record("token.issued", actor=user.id, subject=user.id, detail="oauth")
        return _token_body(request, token, expires_at, user)

    def _where(self, params: Params, source: str) -> LoginRequest:
        host = self.request.client_addr
        logins = self.request.find_service(LoginService)
        client = logins.client_address(host, params.optional("client_address", 64))
        return LoginRequest(client=client, host=host, source=source)

    def _password_login(self, setting_name: str, networks, allow_first_login: bool, source: str):
        request = self.request
        _require_host(request, networks, setting_name)
        params = Params(request)
        login = params.optional("username", 255) or params.optional("email", 255)
        if not login or not login.strip():
            raise BadRequest("parameter username (or email) is required")
        password = params.required("password", 1024)
        where = self._where(params, source)
        try:
            done = request.find_service(LoginService).password_login(
                login, password, where, allow_first_login
            )
        except LoginFailed as exc:
            return _refused(request, exc.message)
        return _signed_in(request, done)

    @view_config(route_name="auth.login", request_method="POST")
    def login(self):
        return self._password_login(
            "login_allowed.hosts", self.settings.login_allowed_hosts, True, "login"
        )

    @view_config(route_name="auth.authenticate", request_method="POST")
    def authenticate(self):
        return self._password_login(
            "authenticate_allowed.hosts",
            self.settings.authenticate_allowed_hosts,
            False,
            "authenticate",
        )

    @view_config(route_name="auth.sso_login", request_method="POST")
    def sso(self):
        request, settings = self.request, self.settings
        if not settings.auth_sso:
            raise Forbidden("SSO logins are disabled (auth_sso = false)")
        _require_host(request, settings.login_allowed_hosts, "login_allowed.hosts")
        params = Params(request)
        where = self._where(params, "sso")
        rules = settings.auth_sso_admin_attributes
        eligible = admin_eligible(rules, forwarded_attributes(params, rules))
        done = request.find_service(LoginService).sso_login(
            params.required("sso_identity", 255).strip(),
            params.required("email", 254),
            params.optional("name", 255) or "",
            where,
            allow_first_login=params.bool("first_login", True),
            admin_eligible=eligible,
        )
        body = _signed_in(request, done)
        body["data"]["sso_admin"] = eligible
        return body

    @view_config(route_name="auth.verify_token", request_method="GET")
    def verify_token(self):
        request = self.request
        params = Params(request)
        token = params.required("auth_token", 256)
        email, userid = params.optional("email", 254), params.optional("userid", 64)
        system_username = params.optional("system_username", 64)
        cloud_controller_id = params.optional("cloud_controller_id", 12)
        selectors = [email is not None, userid is not None, system_username is not None]
        if sum(selectors) != 1 or (system_username is not None) != (
            cloud_controller_id is not None
        ):
            raise BadRequest(
                "give exactly one of email, userid, or system_username with cloud_controller_id"
            )
        cc_id = (
            params.int("cloud_controller_id", minimum=1) if system_username is not None else None
        )

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

    @view_config(route_name="auth.revoke_token", request_method="POST")
    def revoke_token(self):
        """Revoke ``auth_token`` (holding it is the proof), or with a caller's own token and
        ``userid``, every token of that user (self, their account owner, or the superuser)."""
        request = self.request
        params = Params(request)
        token = params.optional("auth_token", 256)
        target = params.optional("userid", 64)
        if (token is None) == (target is None):
            raise BadRequest("give either auth_token or userid")
        revocation = request.find_service(TokenRevocation)
        audit = request.find_service(AuditLog)
        if token is not None:
            owner = revocation.revoke(token)
            if owner is None:
                raise Unauthorized("the token is invalid, expired or already revoked")
            audit.record("token.revoked", actor=owner, subject=owner)
            return request.ok({"revoked": 1})
        caller = request.caller
        user = request.find_service(UserService).get_user(target)
        caller.require("revoke_token", user)
        count = revocation.revoke_all(user.id)
        audit.record(
            "token.revoked_all", actor=caller.id, subject=user.id, detail=f"{count} tokens"
        )
        return request.ok({"revoked": count})
