"""Login through Cloud Auth ``/auth/login``; logout revokes the token; a default password must
be changed before any other page (``default_password: true`` in the login answer)."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.clients.cloudauth import ICloudAuth
from cloudportal.errors import BackendError, BackendUnavailable
from cloudportal.forms import Form
from cloudportal.passwords import check_new_password
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
        # Cloud Auth's own words: wrong password, a locked account, a rate limit, a
        # deactivated account, a directory that refused the user.
        form.refused(exc)
        request.response.status = 401 if exc.status == 401 else exc.status
        return result
    except BackendUnavailable as exc:
        form.message = f"{exc.service} cannot be reached right now; try again in a minute."
        request.response.status = 503
        return result
    session = request.session
    session.rotate()  # a session id known before the login is worthless after it
    user = identity.get("user", {})
    session.update(
        token=answer.token,
        userid=answer.userid,
        email=answer.email,
        name=user.get("name", ""),
        roles=list(identity.get("roles", [])),
        must_change_password=answer.default_password,
    )
    if answer.default_password:
        session.flash("You are still using the default password: choose a new one.", "info")
        return HTTPFound(request.route_url("password_change"))
    return HTTPFound(safe_next(request, form["next"]))


@view_config(route_name="logout", request_method="POST")
def logout(request):
    # while masquerading (session["masquerade"]) the superuser's own token ends too
    real = request.session.get("masquerade") or {}
    for token in (request.session.get("token"), real.get("token")):
        if not token:
            continue
        try:
            request.find_service(ICloudAuth).revoke(token)
        except (BackendError, BackendUnavailable) as exc:
            # The portal session ends anyway; the token expires on its own.
            log.warning("token revocation at logout failed: %s", exc)
    request.session.invalidate()
    request.session.flash("You are logged out.", "info")
    return HTTPFound(request.route_url("login"))


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
