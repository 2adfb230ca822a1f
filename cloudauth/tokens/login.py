"""Password logins (local accounts first, then the directory) and SSO logins.

The superuser ``admin`` and every local account are checked against their Argon2 hash and never
looked up in LDAP. Other names go to the directory when ``ldap.hosts`` is set; a directory user's
first ``/auth/login`` creates their Cloud Auth account with ``default_user_role``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudauth.passwords import hash_password, needs_rehash, verify_password
from cloudauth.ratelimit import normalised_login
from cloudauth.users.models import User
from cloudauth.users.services import create_user, find_by_login
from common.errors import BadRequest, Conflict, Forbidden, Unauthorized, Unavailable
from common.ldap.interfaces import DirectoryUnavailable, InvalidCredentials, NotEligible
from common.netaddr import in_networks


class LoginFailed(Unauthorized):
    default_message = "wrong login name or password"


@dataclass(frozen=True)
class LoginOutcome:
    user: User
    created: bool = False


def limit_key(db: Session, login: str) -> str:
    """The one key an account's login limits are counted under, whatever name or email the
    attempt used: the user id when the user exists (by name, email or directory uid), else the
    normalised name, so an unknown account is limited exactly as a known one."""
    user = find_by_login(db, login)
    if user is None:
        user = db.scalar(select(User).where(User.ldap_uid == login.strip()))
    return f"user:{user.id}" if user is not None else f"name:{normalised_login(login)}"


def login_client_address(request, given: str | None) -> str | None:
    """The client a login is for: ``client_address`` as the portal sends it (the browser's
    address), believed only from a host in ``login_allowed.hosts``; else the calling host."""
    if given is None:
        return request.client_addr
    settings = request.registry["scm.settings"]
    if not in_networks(request.client_addr or "", settings.login_allowed_hosts):
        raise BadRequest("client_address is accepted only from hosts in login_allowed.hosts")
    try:
        return str(ipaddress.ip_address(given.strip()))
    except ValueError:
        raise BadRequest("parameter client_address must be an IPv4 or IPv6 address") from None


def password_login(request, login: str, password: str, allow_first_login: bool) -> LoginOutcome:
    """The user for a right login/password, else :class:`LoginFailed` (or 403/503)."""
    db = request.db
    user = find_by_login(db, login)
    if user is not None and user.is_local:
        if not verify_password(user.password_hash, password):
            raise LoginFailed()
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return LoginOutcome(_usable(user))
    directory = request.registry.get("scm.directory")
    if directory is None:
        verify_password(None, password)  # same cost as a real check: no user enumeration by time
        raise LoginFailed()
    try:
        entry = directory.authenticate(login, password)
    except InvalidCredentials:
        raise LoginFailed() from None
    except NotEligible:
        raise Forbidden("this directory account is not allowed to use SCM") from None
    except DirectoryUnavailable:
        raise Unavailable("the directory (LDAP) cannot be reached; try again later") from None
    user = _ldap_user(db, entry)
    if user is not None:
        return LoginOutcome(_usable(user))
    if not allow_first_login:
        raise Forbidden("first login must go through the portal")
    settings = request.registry["scm.settings"]
    user = create_user(
        db,
        None,
        email=entry.email or f"{entry.uid}@ldap.invalid",
        name=entry.name,
        registration_source="ldap",
        ldap_uid=entry.uid,
        default_roles=(settings.default_user_role,) if settings.default_user_role else (),
    )
    return LoginOutcome(user, created=True)


def _ldap_user(db, entry) -> User | None:
    user = db.scalar(select(User).where(User.ldap_uid == entry.uid))
    if user is None:
        clash = find_by_login(db, entry.email) if entry.email else None
        if clash is not None:
            # An existing local account with the directory user's email: never merge silently.
            raise Conflict("an account with this email already exists; ask the administrator")
        return None
    if entry.email and user.email != entry.email:
        user.email, user.email_key = entry.email, entry.email.lower()
    if entry.name and user.name != entry.name:
        user.name = entry.name
    return user


def _usable(user: User) -> User:
    if user.active <= 0:
        raise Forbidden("this account is deactivated")
    return user


def sso_login(
    request, identity: str, email: str, name: str, allow_first_login: bool = True
) -> LoginOutcome:
    db = request.db
    user = db.scalar(select(User).where(User.sso_identity == identity))
    if user is not None:
        return LoginOutcome(_usable(user))
    if not allow_first_login:
        # The portal's registration rules (e.g. the whitelist) do not let this address register.
        raise Forbidden("this SSO identity has no account here, and may not register")
    if find_by_login(db, email) is not None:
        raise Conflict("an account with this email already exists; ask the administrator")
    settings = request.registry["scm.settings"]
    user = create_user(
        db,
        None,
        email=email,
        name=name,
        registration_source="sso",
        sso_identity=identity,
        default_roles=(settings.default_user_role,) if settings.default_user_role else (),
    )
    return LoginOutcome(user, created=True)
