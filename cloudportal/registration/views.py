"""Register (``userauth.driver = email``) and forgotten passwords: ask with an address, follow
the mailed link, finish the form. Whatever the address, the "asked" page is the same: nothing
here tells a visitor whether an address has an account. The rules are the
:class:`~cloudportal.registration.services.Registrations` service's; these views parse the
forms, count the mails asked for, and turn outcomes into pages."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.errors import BackendError, BackendUnavailable
from cloudportal.forms import EMAIL, Form
from cloudportal.passwords import check_new_password
from cloudportal.registration.links import LinkRefused, MailedLinks
from cloudportal.registration.services import (
    AccountChanged,
    AlreadyRegistered,
    NotListed,
    Registrations,
)
from common.ratelimit import FixedWindowLimiter

log = logging.getLogger("scm.cloudportal.registration")

REFUSED = "registration/refused.mako"
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


def _refused(request, status: int, heading: str, message: str, again: str | None = None):
    request.override_renderer = REFUSED
    request.response.status = status
    return {"heading": heading, "message": message, "again": again}


def _no_self_registration(request):
    return _refused(
        request,
        404,
        "Registration is not used here",
        "You do not need to register: log in with your site's (LDAP) username and password. "
        "Your account is set up at your first login.",
    )


def _refused_link(request, reason: str, again_route: str):
    heading, message = LINK_PAGES[reason]
    return _refused(request, 404 if reason == "unknown" else 410, heading, message, again_route)


def _unreachable(request, form: Form, exc: BackendUnavailable) -> None:
    form.message = f"{exc.service} cannot be reached right now; try again in a few minutes."
    request.response.status = 503


def _limited(request, form: Form, email: str) -> bool:
    """Mails asked for: at most so many per client and per address in the window."""
    reg = _reg(request)
    cache = request.registry["scm.portal.cache"]
    window = reg.mail_window
    per_client = FixedWindowLimiter(cache, "portal-mail-client", reg.max_mails_per_client, window)
    per_address = FixedWindowLimiter(
        cache, "portal-mail-address", reg.max_mails_per_address, window
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
        request.response.headers["Retry-After"] = str(int(window))
        return True
    return False


def _ask(request, purpose: str):
    """The address form of both workflows: parsed, counted, then the service's ``ask``."""
    form = Form(request, ("email",))
    form.require("email")
    email = form["email"]
    if email and (not EMAIL.match(email) or len(email) > 254):
        form.error("email", "Enter an email address like name@example.com.")
    result = {"form": form, "purpose": purpose}
    if not form.ok:
        request.response.status = 400
        return result
    if _limited(request, form, email):
        return result
    service = request.find_service(Registrations)
    ask = service.ask_to_register if purpose == "register" else service.ask_to_reset
    try:
        ask(email, request.client_addr)
    except NotListed:
        form.message = NOT_LISTED
        request.response.status = 403
        return result
    except BackendUnavailable as exc:
        _unreachable(request, form, exc)
        return result
    except BackendError as exc:
        form.refused(exc, "email" if exc.status == 400 else None)
        request.response.status = exc.status
        return result
    request.override_renderer = "registration/sent.mako"
    reg = _reg(request)
    lifetime = reg.link_lifetime if purpose == "register" else reg.reset_link_lifetime
    return {"email": email, "purpose": purpose, "lifetime": lifetime}


# -- registration --------------------------------------------------------------------------


@view_config(route_name="register", request_method="GET", renderer="registration/ask.mako")
def register_page(request):
    if not _reg(request).self_registration:
        return _no_self_registration(request)
    if request.identity is not None:
        return HTTPFound(request.route_url("home"))
    return {"form": Form(request, ("email",)), "purpose": "register"}


@view_config(route_name="register", request_method="POST", renderer="registration/ask.mako")
def register_ask(request):
    if not _reg(request).self_registration:
        return _no_self_registration(request)
    return _ask(request, "register")


@view_config(
    route_name="register.complete",
    request_method=("GET", "POST"),
    renderer="registration/complete.mako",
)
def register_complete(request):
    if not _reg(request).self_registration:
        return _no_self_registration(request)
    token = request.matchdict["token"]
    form = Form(request, ("name",), secret=("password", "confirm"))
    try:
        link = request.find_service(MailedLinks).check("register", token)
    except LinkRefused as exc:
        return _refused_link(request, exc.reason, "register")
    result = {"form": form, "email": link.email, "token": token}
    if request.method == "GET":
        return result
    form.require("name", "password", "confirm")
    check_new_password(form, "password", "confirm")
    if not form.ok:
        request.response.status = 400
        return result
    try:
        request.find_service(Registrations).register(
            token, form["name"], form.secret("password"), request.client_addr
        )
    except LinkRefused as exc:  # used by a concurrent submission meanwhile
        return _refused_link(request, exc.reason, "register")
    except NotListed:
        return _refused(request, 403, "This address may not register", NOT_LISTED)
    except AlreadyRegistered:
        return _refused(
            request,
            409,
            "You already have an account",
            "An account with this address exists. Log in, or ask for a new password if you "
            "forgot it.",
            "password_forgot",
        )
    except BackendUnavailable as exc:
        _unreachable(request, form, exc)
        return result
    except BackendError as exc:
        form.refused(exc, "password" if "password" in exc.message else None)
        request.response.status = exc.status
        return result
    log.info("account registered through the portal")
    request.session.flash("Your account is ready. Log in with your email address and password.")
    return HTTPFound(request.route_url("login"))


# -- forgotten passwords ---------------------------------------------------------------------


@view_config(route_name="password_forgot", request_method="GET", renderer="registration/ask.mako")
def forgot_page(request):
    return {"form": Form(request, ("email",)), "purpose": "reset"}


@view_config(route_name="password_forgot", request_method="POST", renderer="registration/ask.mako")
def forgot_ask(request):
    return _ask(request, "reset")


@view_config(
    route_name="password_reset",
    request_method=("GET", "POST"),
    renderer="registration/reset.mako",
)
def reset(request):
    token = request.matchdict["token"]
    form = Form(request, (), secret=("password", "confirm"))
    result = {"form": form, "token": token}
    try:
        request.find_service(MailedLinks).check("reset", token)
    except LinkRefused as exc:
        return _refused_link(request, exc.reason, "password_forgot")
    if request.method == "GET":
        return result
    form.require("password", "confirm")
    check_new_password(form, "password", "confirm")
    if not form.ok:
        request.response.status = 400
        return result
    try:
        request.find_service(Registrations).reset_password(
            token, form.secret("password"), request.client_addr
        )
    except LinkRefused as exc:
        return _refused_link(request, exc.reason, "password_forgot")
    except AccountChanged as exc:
        text = str(exc)
        return _refused(
            request, 409, "The password was not changed", text[:1].upper() + text[1:] + "."
        )
    except BackendUnavailable as exc:
        _unreachable(request, form, exc)
        return result
    except BackendError as exc:
        form.refused(exc, "password")
        request.response.status = 400
        return result
    request.session.invalidate()  # whoever was signed in here is signed out (tokens revoked)
    request.session.flash("Your password is changed, and you are logged out everywhere. Log in.")
    return HTTPFound(request.route_url("login"))
