"""Login through Cloud Auth ``/auth/login``; logout revokes the token; a default password must
be changed before any other page (``default_password: true`` in the login answer)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from cloudportal.auth.signin import IDENTITY_KEYS, first_login_setup, start_session
from cloudportal.clients.cloudauth import ICloudAuth
from cloudportal.errors import BackendError, BackendUnavailable
from cloudportal.forms import Form
from cloudportal.passwords import check_new_password
from cloudportal.registration.first_login import first_login_refusal
from cloudportal.web import safe_next

log = logging.getLogger("scm.cloudportal.auth")


@view_config(route_name="home")
def home(request):
    return HTTPFound(request.route_url("nodes" if request.identity else "login"))


@view_config(route_name="login", request_method="GET", renderer="auth/login.mako")
def login_page(request):
    if request.identity is not None:
        return HTTPFound(safe_next(request, request.GET.get("next")))
    return {"form": Form(request, ("login",)), "next": request.GET.get("next", "")}


@view_config(route_name="login", request_method="POST", renderer="auth/login.mako")
def login(request):
    form = Form(request, ("login", "next"), secret=("password",))
    form.require("login", "password")
    result = {"form": form, "next": form["next"]}
    if not form.ok:
        request.response.status = 400
        return result
    cloudauth = request.find_service(ICloudAuth)
    try:
        answer = cloudauth.login(form["login"], form.secret("password"), request.client_addr)
        identity = cloudauth.verify(answer.token, answer.userid)
    except BackendError as exc:
        if exc.status == 403:
            # A plain refusal in Cloud Auth's own words: a directory user outside
            # ldap.require_group / ldap.auth_require_group, a deactivated account.
            return refusal_page(request, exc.message)
        # Cloud Auth's own words: wrong password, a locked account, a rate limit.
        form.refused(exc)
        request.response.status = 401 if exc.status == 401 else exc.status
        return result
    except BackendUnavailable as exc:
        form.message = f"{exc.service} cannot be reached right now; try again in a minute."
        request.response.status = 503
        return result
    user = identity.get("user", {})
    refusal = first_login_refusal(
        request,
        answer.userid,
        answer.email,
        answer.registration_source,
        user.get("system_accounts", []),
    )
    if refusal:
        _revoke(request, answer.token)
        form.message = refusal
        request.response.status = 403
        return result
    start_session(request, answer, identity)
    if answer.default_password:
        request.session.flash("You are still using the default password: choose a new one.", "info")
        return HTTPFound(request.route_url("password_change"))
    if _is_directory_user(request, answer):
        request.session["external_login"] = "ldap"
        first_login_setup(request, answer, None, directory_named=True)
    return HTTPFound(safe_next(request, form["next"]))


def _revoke(request, token: str) -> None:
    try:
        request.find_service(ICloudAuth).revoke(token)
    except (BackendError, BackendUnavailable) as exc:
        # The portal session ends anyway; the token expires on its own.
        log.warning("token revocation failed: %s", exc)


def _is_directory_user(request, answer) -> bool:
    """A directory (LDAP) account: its default SCM resources are made at login (seed 1.8.3)."""
    return answer.registration_source == "ldap"


def refusal_page(request, message: str, status: int = 403):
    """A plain page saying why the user may not come in (no form to try again)."""
    from cloudportal.errors import _page

    text = message[:1].upper() + message[1:]
    status = status if 400 <= status < 500 else 403
    return _page(request, status, "Access refused", text if text.endswith(".") else text + ".")


@view_config(route_name="logout", request_method="POST")
def logout(request):
    token = request.session.get("token")
    back = request.session.get("sso_return")
    if back:
        return _leave_admin(request, token, back)
    # while masquerading (session["masquerade"]) the superuser's own token ends too
    real = request.session.get("masquerade") or {}
    for each in (token, real.get("token")):
        if each:
            _revoke(request, each)
    from_sso = request.session.get("external_login") == "sso"
    request.session.invalidate()
    request.session.flash("You are logged out.", "info")
    logout_url = request.registry["scm.settings"].sso_logout_url
    if from_sso and logout_url:
        # The Shibboleth session ends too (the SP's logout handler; SAML single logout at the
        # identity provider when it offers one), so the next /sso/login asks the identity
        # provider again instead of signing straight back in. The SP then returns here.
        back = urlencode({"return": request.route_url("login")})
        target = logout_url if "://" in logout_url else request.host_url + logout_url
        target += ("&" if "?" in target else "?") + back
        # A page that goes on by itself (templates/auth/sso_logout.mako says why not a 302).
        response = render_to_response(
            "auth/sso_logout.mako", {"target": target}, request=request, response=request.response
        )
        response.headers["Refresh"] = f"0;url={target}"
        return response
    return HTTPFound(request.route_url("login"))


def _leave_admin(request, admin_token: str | None, back: dict):
    """Logging out of the admin account an SSO user switched to ("Log in as admin") returns
    to that user's own session (common.md: ``sso_return``)."""
    if admin_token:
        try:
            request.find_service(ICloudAuth).revoke(admin_token)
        except (BackendError, BackendUnavailable) as exc:
            log.warning("admin token revocation on leaving admin failed: %s", exc)
    session = request.session
    session.pop("sso_return")
    session.pop("masquerade", None)  # leaving admin ends whatever admin was doing
    session.update({key: back.get(key) for key in IDENTITY_KEYS})
    session["must_change_password"] = False
    session["external_login"] = "sso"
    session.rotate()
    session.flash(f"You left the admin account and are back as {back.get('email', '')}.", "info")
    return HTTPFound(request.route_url("profile"))


@view_config(
    route_name="password_change",
    request_method=("GET", "POST"),
    renderer="auth/password_change.mako",
    permission="password",
)
def password_change(request):
    form = Form(request, (), secret=("current_password", "password", "confirm"))
    if request.method == "GET":
        return {"form": form}
    form.require("current_password", "password", "confirm")
    check_new_password(form, "password", "confirm")
    if form.ok:
        try:
            request.find_service(ICloudAuth).set_password(
                request.identity.userid, form.secret("password"), form.secret("current_password")
            )
        except BackendError as exc:
            field = "current_password" if "current" in exc.message else "password"
            form.refused(exc, field)
    if not form.ok:
        request.response.status = 400
        return {"form": form}
    request.session["must_change_password"] = False
    request.session.flash("Your password is changed.")
    return HTTPFound(request.route_url("nodes"))
