"""Starting a portal session from a Cloud Auth login answer, and the first-login setup that
follows a directory (LDAP) or SSO login (:mod:`cloudportal.auth.provision`)."""

from __future__ import annotations

from cloudportal.auth.provision import IFirstLoginSetup
from cloudportal.clients.cloudauth import LoginAnswer
from cloudportal.clients.http import Credentials

# The session keys that make up one signed-in identity (common.md: masquerade, sso_return).
IDENTITY_KEYS = ("userid", "email", "name", "token", "roles")


def start_session(request, answer: LoginAnswer, identity: dict, **extra) -> None:
    """A new session id (an id known before the login is worthless after it) for the identity
    Cloud Auth answered, plus ``extra`` keys."""
    session = request.session
    session.rotate()
    user = identity.get("user", {})
    session.update(
        token=answer.token,
        userid=answer.userid,
        email=answer.email,
        name=user.get("name", ""),
        roles=list(identity.get("roles", [])),
        must_change_password=answer.default_password,
        **extra,
    )


def cloudauth_with(request, answer: LoginAnswer):
    """The Cloud Auth client with the token a login just issued (the session's credentials were
    read before it held one)."""
    credentials = Credentials(answer.token, answer.userid)
    return request.registry["scm.portal.cloudauth_for"](request, credentials)


def first_login_setup(
    request, answer: LoginAnswer, system_name: str | None, directory_named: bool
) -> None:
    """Make what is missing of the user's default SCM resources; say what was made, and which
    controllers are left for the next login."""
    report = request.find_service(IFirstLoginSetup).ensure(
        answer.token, answer.userid, system_name, directory_named
    )
    if report.done:
        request.session.flash("Set up for you: " + ", ".join(report.done) + ".", "info")
    for problem in report.problems:
        request.session.flash(problem, "error")
