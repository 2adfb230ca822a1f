"""The portal's web plumbing: server-side sessions, CSRF on every change, who is signed in,
security headers, Mako, static assets and what every template sees."""

from __future__ import annotations

import time
from dataclasses import dataclass

import xstatic.pkg.bootstrap
from markupsafe import Markup
from pyramid.csrf import SessionCSRFStoragePolicy, get_csrf_token
from pyramid.events import BeforeRender
from pyramid.httpexceptions import HTTPFound
from pyramid.security import Allowed, Denied

from cloudportal.session import session_factory

BOOTSTRAP = xstatic.pkg.bootstrap.BASE_DIR

# Pages are the user's own data: no caching anywhere, no framing, no inline scripts.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass(frozen=True)
class SignedIn:
    """The signed-in user, from the server-side session."""

    userid: str
    email: str
    name: str
    roles: tuple[str, ...]
    must_change_password: bool

    @property
    def is_superuser(self) -> bool:
        return "superuser" in self.roles

    @property
    def is_account_owner(self) -> bool:
        return "account_owner" in self.roles or self.is_superuser


class PortalSecurityPolicy:
    """``portal``: any signed-in user whose password need not change first;
    ``owner``: account owners (Manage My Users); ``superuser``: roles granted in Manage My
    Users; ``password``: any signed-in user."""

    def identity(self, request) -> SignedIn | None:
        s = request.session
        if not s.get("token") or not s.get("userid"):
            return None
        return SignedIn(
            s["userid"],
            s.get("email", ""),
            s.get("name", ""),
            tuple(s.get("roles", ())),
            bool(s.get("must_change_password")),
        )

    def authenticated_userid(self, request) -> str | None:
        identity = request.identity
        return identity.userid if identity else None

    def permits(self, request, context, permission):
        who = request.identity
        if who is None:
            return Denied("not signed in")
        if permission == "password":
            return Allowed("signed in")
        if who.must_change_password:
            return Denied("the password must be changed first")
        if permission == "owner" and not who.is_account_owner:
            return Denied("account owners only")
        if permission == "superuser" and not who.is_superuser:
            return Denied("the superuser only")
        return Allowed("signed in")

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []


def forbidden_view(exc, request):
    from cloudportal.errors import _page

    who = request.identity
    if who is None:
        if request.session.expired:
            request.session.flash("Your session has expired; please log in again.", "info")
        query = {"next": request.path_qs} if request.method == "GET" else {}
        return HTTPFound(request.route_url("login", _query=query))
    if who.must_change_password:
        return HTTPFound(request.route_url("password_change"))
    result = getattr(exc, "result", None)
    # a Denied result is falsy: test it against None, not by truth
    whom = (
        "the superuser"
        if "superuser" in str("" if result is None else result)
        else "account owners"
    )
    return _page(request, 403, "Not allowed", f"This is for {whom} only.")


def security_headers_tween_factory(handler, registry):
    def tween(request):
        response = handler(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.path.startswith(("/static/", "/assets/")):
            response.headers["Cache-Control"] = "no-store"
        calls = request.__dict__.get("backend_calls")
        if calls is not None:
            response.headers["X-SCM-Backend-Calls"] = str(calls.count)
        return response

    return tween


def safe_next(request, target: str | None, default_route: str = "nodes") -> str:
    """Where to go after login: a path on this portal only (never another site)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return request.application_url + target
    return request.route_url(default_route)


def template_globals(event):
    request = event.get("request")
    if request is None:
        return
    event["site"] = request.registry["scm.settings"].site
    event["settings"] = request.registry["scm.settings"]
    event["me"] = request.identity
    token = get_csrf_token(request)
    event["csrf_token"] = token
    # The hidden field ready-made: a long page holds hundreds of forms (one escape, not one each).
    event["csrf_input"] = Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)
    event["bootstrap"] = lambda path: request.static_path(f"{BOOTSTRAP}/{path}")


def includeme(config):
    settings = config.registry["scm.settings"]
    sessions = session_factory(settings.session)
    config.set_session_factory(sessions)
    # The portal's own short-lived records (node timings, per-user listings) share the session
    # store: Redis in production, so every portal process sees the same.
    config.registry["scm.portal.cache"] = sessions.store.cache
    config.registry["scm.portal.clock"] = time.time
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True)
    config.set_security_policy(PortalSecurityPolicy())
    config.add_forbidden_view(forbidden_view)
    config.add_tween("cloudportal.web.security_headers_tween_factory")
    config.include("pyramid_mako")
    config.add_subscriber(template_globals, BeforeRender)
    config.add_static_view("static", "cloudportal:static", cache_max_age=3600)
    config.add_static_view("assets/bootstrap", BOOTSTRAP, cache_max_age=86400)
