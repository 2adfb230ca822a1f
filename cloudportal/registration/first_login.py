"""The whitelist on a directory user's first portal login (seed 1.8.6: "in either workflow").

Cloud Auth creates an LDAP user's account at their first ``/auth/login``; the portal decides
whether that login may go on. A login is a first login when the portal has never completed one
for the user while the whitelist applied (``portal_seen_users``) and the user has no system
account yet (so the users of a site that turns the whitelist on later are not shut out). A
refused user's token is revoked and nothing further is set up; their next login is checked
again, so adding them to the list is enough to let them in."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from cloudportal.models import SeenUser
from cloudportal.registration.whitelist import allows

log = logging.getLogger("scm.cloudportal.registration")

# Accounts whose first login the whitelist governs: the directory's (ldap) and SSO's (sso).
GOVERNED_SOURCES = frozenset({"ldap", "sso"})
REFUSED = (
    "Your site account is valid, but this portal is open only to a list of addresses and "
    "yours is not on it. Ask your site's administrator to add it, then log in again."
)


def first_login_refusal(
    request, userid: str, email: str, registration_source: str, system_accounts: list
) -> str | None:
    """None when the login may go on (and the user is remembered as seen); else the message to
    show. The caller revokes the token and signs nobody in when a message comes back."""
    if not request.registry["scm.settings"].registration.whitelist:
        return None  # no list to apply: the portal's database is not even touched
    db = request.db
    if db.get(SeenUser, userid) is not None:
        return None
    if registration_source in GOVERNED_SOURCES and not system_accounts and not allows(db, email):
        log.info("first login refused: the address is not on the registration whitelist")
        return REFUSED
    try:
        with db.begin_nested():
            db.add(SeenUser(cloudauth_id=userid, first_login_at=request.now))
    except IntegrityError:
        pass  # a concurrent first login of the same user recorded it
    return None
