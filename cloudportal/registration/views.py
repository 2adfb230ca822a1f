"""Register (``userauth.driver = email``) and forgotten passwords: ask with an address, follow
the mailed link, finish the form. Whatever the address, the "asked" page is the same: nothing
here tells a visitor whether an address has an account."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.clients.cloudauth import ICloudAuth
from cloudportal.errors import BackendError, BackendUnavailable
from cloudportal.forms import EMAIL, Form
from cloudportal.passwords import check_new_password
from cloudportal.registration import mails
from cloudportal.registration.links import LinkRefused, MailedLinks
from cloudportal.registration.mail import MailQueue
from cloudportal.registration.whitelist import allows
from common.ratelimit import FixedWindowLimiter

log = logging.getLogger("scm.cloudportal.registration")

NOT_LISTED = (
    "Registration here is limited to a list of addresses, and this one is not on it. Ask your "
    "site's administrator to add it (or your whole domain), then try again."
)
LINK_PAGES = {
    "unknown": (
        "This link does not work",
        "The link is not one this portal sent, or it was cut short (some mail programs split "
        "long links). Copy the whole link from the message, or ask for a new one.",
    ),
    "expired": (
        "This link has expired",
        "Links work for a limited time. Ask for a new one; it comes by mail within minutes.",
    ),
    "used": (
        "This link was already used",
        "Each link works once. If you finished with it, log in. Otherwise ask for a new one.",
    ),
}


def _reg(request):
    return request.registry["scm.settings"].registration


def _site(request) -> str:
    return request.registry["scm.settings"].site.title


def _link(request, route: str, **kw) -> str:
    """An absolute link for a mail: on ``site.url`` (the portal's public root, a path prefix
    included), never on the request's Host header."""
    path = request.route_path(route, **kw)[len(request.script_name) :]
    return _reg(request).site_url + path


def _no_self_registration(request):
    request.response.status = 404
    return {
        "heading": "Registration is not used here",
        "message": "You do not need to register: log in with your site's (LDAP) username and "
        "password. Your account is set up at your first login.",
        "again": None,
    }


def _refused_link(request, reason: str, again_route: str):
    heading, message = LINK_PAGES[reason]
    request.response.status = 404 if reason == "unknown" else 410
    return {"heading": heading, "message": message, "again": again_route}


def _limited(request, form: Form, email: str) -> bool:
    """Mails asked for: at most so many per client and per address in the window."""
    reg = _reg(request)
    cache = request.registry["scm.portal.cache"]
    per_client = FixedWindowLimiter(
        cache, "portal-mail-client", reg.max_mails_per_client, reg.mail_window
    )
    per_address = FixedWindowLimiter(
        cache, "portal-mail-address", reg.max_mails_per_address, reg.mail_window
    )
    if not per_client.hit(request.client_addr or "-"):
        form.message = (
            "Too many messages were asked for from your network in the last while. Wait an hour "
            "and try again."
        )
    elif not per_address.hit(email):
        form.message = (
            "Several messages went to this address in the last hour. Check your mail (and its "
            "spam folder) for them, or wait an hour before asking again."
        )
    if form.message:
        request.response.status = 429
        request.response.headers["Retry-After"] = str(int(reg.mail_window))
        return True
    return False


def _ask_form(request) -> Form:
    form = Form(request, ("email",))
    form.require("email")
    email = form["email"]
    if email and (not EMAIL.match(email) or len(email) > 254):
        form.error("email", "Enter an email address like name@example.com.")
    return form


def _status(request, form: Form) -> dict | None:
    try:
        return request.find_service(ICloudAuth).account_status(form["email"], request.client_addr)
    except BackendUnavailable as exc:
        form.message = f"{exc.service} cannot be reached right now; try again in a few minutes."
        request.response.status = 503
    except BackendError as exc:
        form.refused(exc, "email" if exc.status == 400 else None)
        request.response.status = exc.status
    return None


def _mail(request, to: str, subject_body: tuple[str, str]) -> None:
    request.find_service(MailQueue).after_commit(request, to, *subject_body)


# -- registration --------------------------------------------------------------------------


@view_config(route_name="register", request_method="GET", renderer="registration/ask.mako")
def register_page(request):
    if not _reg(request).self_registration:
        request.override_renderer = "registration/refused.mako"
        return _no_self_registration(request)
    if request.identity is not None:
        return HTTPFound(request.route_url("home"))
    return {"form": Form(request, ("email",)), "purpose": "register"}


@view_config(route_name="register", request_method="POST", renderer="registration/ask.mako")
def register_ask(request):
    reg = _reg(request)
    if not reg.self_registration:
        request.override_renderer = "registration/refused.mako"
        return _no_self_registration(request)
    form = _ask_form(request)
    result = {"form": form, "purpose": "register"}
    if not form.ok:
        request.response.status = 400
        return result
    email = form["email"]
    if _limited(request, form, email):
        return result
    if reg.whitelist and not allows(request.db, email):
        form.message = NOT_LISTED
        request.response.status = 403
        return result
    status = _status(request, form)
    if status is None:
        return result
    site = _site(request)
    if status["kind"] == "none":
        token = request.find_service(MailedLinks).issue("register", email)
        link = _link(request, "register.complete", token=token)
        _mail(request, email, mails.registration_link(site, link, reg.link_lifetime))
    elif status["kind"] == "directory":
        _mail(request, email, mails.directory_account(site, _link(request, "login")))
    else:
        login, forgot = _link(request, "login"), _link(request, "password_forgot")
        _mail(request, email, mails.already_registered(site, login, forgot))
    request.override_renderer = "registration/sent.mako"
    return {"email": email, "purpose": "register", "lifetime": reg.link_lifetime}


def _complete_result(request, link, form):
    return {"form": form, "email": link.email if link else "", "token": request.matchdict["token"]}


@view_config(
    route_name="register.complete",
    request_method=("GET", "POST"),
    renderer="registration/complete.mako",
)
def register_complete(request):
    reg = _reg(request)
    if not reg.self_registration:
        request.override_renderer = "registration/refused.mako"
        return _no_self_registration(request)
    links = request.find_service(MailedLinks)
    token = request.matchdict["token"]
    form = Form(request, ("name",), secret=("password", "confirm"))
    if request.method == "POST":
        form.require("name", "password", "confirm")
        check_new_password(form, "password", "confirm")
    try:
        link = links.check("register", token)
        if request.method == "POST" and form.ok:
            link = links.claim("register", token)
    except LinkRefused as exc:
        request.override_renderer = "registration/refused.mako"
        return _refused_link(request, exc.reason, "register")
    if request.method == "GET":
        return _complete_result(request, link, form)
    if not form.ok:
        request.response.status = 400
        return _complete_result(request, link, form)
    if reg.whitelist and not allows(request.db, link.email):
        links.release(link)
        request.override_renderer = "registration/refused.mako"
        request.response.status = 403
        return {"heading": "This address may not register", "message": NOT_LISTED, "again": None}
    try:
        request.find_service(ICloudAuth).register(
            link.email,
            form["name"],
            form.secret("password"),
            reg.default_user_role,
            request.client_addr,
        )
    except BackendUnavailable as exc:
        links.release(link)
        form.message = f"{exc.service} cannot be reached right now; try again in a few minutes."
        request.response.status = 503
        return _complete_result(request, link, form)
    except BackendError as exc:
        if exc.status == 409:
            links.retire_others(link)
            request.override_renderer = "registration/refused.mako"
            request.response.status = 409
            return {
                "heading": "You already have an account",
                "message": "An account with this address exists. Log in, or ask for a new "
                "password if you forgot it.",
                "again": "password_forgot",
            }
        links.release(link)
        form.refused(exc, "password" if "password" in exc.message else None)
        request.response.status = exc.status
        return _complete_result(request, link, form)
    links.retire_others(link)
    log.info("account registered through the portal")
    request.session.flash("Your account is ready. Log in with your email address and password.")
    return HTTPFound(request.route_url("login"))


# -- forgotten passwords ---------------------------------------------------------------------


@view_config(route_name="password_forgot", request_method="GET", renderer="registration/ask.mako")
def forgot_page(request):
    return {"form": Form(request, ("email",)), "purpose": "reset"}


@view_config(route_name="password_forgot", request_method="POST", renderer="registration/ask.mako")
def forgot_ask(request):
    reg = _reg(request)
    form = _ask_form(request)
    result = {"form": form, "purpose": "reset"}
    if not form.ok:
        request.response.status = 400
        return result
    email = form["email"]
    if _limited(request, form, email):
        return result
    status = _status(request, form)
    if status is None:
        return result
    site, kind = _site(request), status["kind"]
    if kind == "local" and status["active"]:
        token = request.find_service(MailedLinks).issue("reset", email)
        link = _link(request, "password_reset", token=token)
        _mail(request, email, mails.reset_link(site, link, reg.reset_link_lifetime))
    elif kind == "local":
        _mail(request, email, mails.deactivated(site))
    elif kind == "directory":
        _mail(request, email, mails.directory_account(site, _link(request, "login")))
    elif kind == "superuser":
        _mail(request, email, mails.superuser(site))
    # kind none: nothing is sent, and the page is the same
    request.override_renderer = "registration/sent.mako"
    return {"email": email, "purpose": "reset", "lifetime": reg.reset_link_lifetime}


@view_config(
    route_name="password_reset",
    request_method=("GET", "POST"),
    renderer="registration/reset.mako",
)
def reset(request):
    links = request.find_service(MailedLinks)
    token = request.matchdict["token"]
    form = Form(request, (), secret=("password", "confirm"))
    if request.method == "POST":
        form.require("password", "confirm")
        check_new_password(form, "password", "confirm")
    try:
        link = links.check("reset", token)
        if request.method == "POST" and form.ok:
            link = links.claim("reset", token)
    except LinkRefused as exc:
        request.override_renderer = "registration/refused.mako"
        return _refused_link(request, exc.reason, "password_forgot")
    if request.method == "GET":
        return {"form": form, "token": token}
    if not form.ok:
        request.response.status = 400
        return {"form": form, "token": token}
    try:
        request.find_service(ICloudAuth).reset_password(
            link.email, form.secret("password"), request.client_addr
        )
    except BackendUnavailable as exc:
        links.release(link)
        form.message = f"{exc.service} cannot be reached right now; try again in a few minutes."
        request.response.status = 503
        return {"form": form, "token": token}
    except BackendError as exc:
        if exc.status == 400:
            links.release(link)
            form.refused(exc, "password")
            request.response.status = 400
            return {"form": form, "token": token}
        # The account changed since the mail (removed, deactivated, moved to the directory).
        request.override_renderer = "registration/refused.mako"
        request.response.status = exc.status
        return {
            "heading": "The password was not changed",
            "message": exc.message[:1].upper() + exc.message[1:] + ".",
            "again": None,
        }
    links.retire_others(link)
    request.session.invalidate()  # whoever was signed in here is signed out (tokens revoked)
    request.session.flash("Your password is changed, and you are logged out everywhere. Log in.")
    return HTTPFound(request.route_url("login"))
