"""SSO login and "Log in as admin". Session contract (common.md): while an SSO user acts as
admin, their own session keys are kept under ``sso_return`` and the top-level keys are admin's;
logging out of admin returns to them (``cloudportal.auth.views.logout``)."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.auth.provision import sso_system_name
from cloudportal.auth.signin import IDENTITY_KEYS, first_login_setup, start_session
from cloudportal.auth.views import refusal_page
from cloudportal.clients.cloudauth import ICloudAuth
from cloudportal.errors import BackendError
from cloudportal.registration.whitelist import allows
from cloudportal.sso.attributes import saml_user
from common.errors import Forbidden, NotFound
from common.sso import rule_keys

log = logging.getLogger("scm.cloudportal.sso")


def _settings(request):
    settings = request.registry["scm.settings"]
    if not settings.auth_sso:
        raise NotFound("single sign-on is not enabled on this portal")
    return settings


def may_register_by_sso(request, email: str) -> bool:
    """Whether a first SSO login may create an account for ``email``.

    The one place where the portal's registration whitelist (``registration.type =
    whitelist``, seed 1.8.6) decides an SSO first login. Cloud Auth then refuses (403) to
    create an account the list says no to, and an existing account still logs in.
    """
    if not request.registry["scm.settings"].registration.whitelist:
        return True
    return allows(request.db, email)


@view_config(route_name="sso.login", request_method="GET")
def sso_login(request):
    settings = _settings(request)
    saml = saml_user(request.environ, rule_keys(settings.sso_admin_attributes))
    cloudauth = request.find_service(ICloudAuth)
    try:
        answer = cloudauth.sso_login(
            saml.username,
            saml.email,
            saml.name,
            request.client_addr,
            saml.admin_attributes,
            first_login=may_register_by_sso(request, saml.email),
        )
        identity = cloudauth.verify(answer.token, answer.userid)
    except BackendError as exc:
        # Cloud Auth's words: SSO off there, a deactivated account, an address that already
        # belongs to a local account, registration refused.
        return refusal_page(request, exc.message, exc.status)
    # Shown only when both rules agree: the portal's (its settings) and Cloud Auth's (the
    # answer); Cloud Auth will not issue the admin token otherwise.
    eligible = answer.sso_admin and bool(settings.sso_admin_attributes)
    start_session(request, answer, identity, sso_admin=eligible, external_login="sso")
    request.session["must_change_password"] = False  # SSO users have no password here
    first_login_setup(request, answer, sso_system_name(saml.username), directory_named=False)
    return HTTPFound(request.route_url("nodes"))


@view_config(route_name="sso.admin", request_method="POST", permission="portal")
def sso_admin(request):
    """Switch this SSO user's session to the local superuser admin (Cloud Auth issues the
    token and audits both identities)."""
    _settings(request)
    session = request.session
    if not session.get("sso_admin") or session.get("sso_return") or session.get("masquerade"):
        raise Forbidden("Your sign-in does not allow acting as admin.")
    own = {key: session.get(key) for key in IDENTITY_KEYS}
    cloudauth = request.find_service(ICloudAuth)
    try:
        answer = cloudauth.sso_admin_login(own["token"], request.client_addr)
        identity = cloudauth.verify(answer.token, answer.userid)
    except BackendError as exc:
        return refusal_page(request, exc.message)
    log.info("SSO user %s acts as admin", own["userid"])
    # admin's own password is local (no external_login): changing it needs the current one
    start_session(request, answer, identity, sso_admin=True, sso_return=own, external_login=None)
    # The SSO user never typed admin's password; the page's banner says whose session it is.
    session["must_change_password"] = False
    return HTTPFound(request.route_url("users"))
