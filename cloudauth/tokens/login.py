"""Password logins (local accounts first, then the directory) and SSO logins.

The superuser ``admin`` and every local account are checked against their Argon2 hash and never
looked up in LDAP. Other names go to the directory when ``ldap.hosts`` is set; a directory user's
first ``/auth/login`` creates their Cloud Auth account with ``default_user_role``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
from dataclasses import dataclass

from pyramid_retry import mark_error_retryable

from cloudauth.audit.services import AuditLog
from cloudauth.passwords import hash_password, needs_rehash, verify_password
from cloudauth.ratelimit import LoginLimiter, normalised_login
from cloudauth.tokens.services import TokenService
from cloudauth.tokens.sso_attributes import SSO_ADMIN_SOURCE
from cloudauth.users.models import User
from cloudauth.users.services import UserService, normalise_email
from common.errors import BadRequest, Conflict, Forbidden, Unauthorized, Unavailable
from common.ldap.interfaces import (
    Directory,
    DirectoryUnavailable,
    InvalidCredentials,
    NotEligible,
)
from common.netaddr import Network, in_networks


class LoginFailed(Unauthorized):
    default_message = "wrong login name or password"


@dataclass(frozen=True)
class LoginOutcome:
    user: User
    created: bool = False


@dataclass(frozen=True)
class SignedIn:
    """A successful login: the user and their new token (shown to them this once)."""

    user: User
    token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class LoginRequest:
    """Who is logging in from where: ``client`` is the browser's (or the caller's) address,
    ``host`` the host that called Cloud Auth; ``source`` names the endpoint (``login``,
    ``authenticate``, ``sso``) in the token and the audit log."""

    client: str | None
    host: str | None
    source: str

    def via(self) -> str:
        """Audit detail: the host that passed the client's address, when it is not the client."""
        return f" via {self.host}" if self.client != self.host else ""


class LoginService:
    def __init__(
        self,
        users: UserService,
        tokens: TokenService,
        limiter: LoginLimiter,
        audit: AuditLog,
        directory: Directory | None,
        login_allowed_hosts: tuple[Network, ...],
    ):
        self.users, self.tokens, self.limiter, self.audit = users, tokens, limiter, audit
        self.directory, self.login_allowed_hosts = directory, login_allowed_hosts

    def client_address(self, host: str | None, given: str | None) -> str | None:
        """The client a login is for: ``client_address`` as the portal sends it (the browser's
        address), believed only from a host in ``login_allowed.hosts``; else the calling host."""
        if given is None:
            return host
        if not in_networks(host or "", self.login_allowed_hosts):
            raise BadRequest("client_address is accepted only from hosts in login_allowed.hosts")
        try:
            return str(ipaddress.ip_address(given.strip()))
        except ValueError:
            raise BadRequest("parameter client_address must be an IPv4 or IPv6 address") from None

    def limit_key(self, login: str) -> str:
        """The one key an account's login limits are counted under, whatever name or email the
        attempt used: the user id when the user exists (by name, email or directory uid), else
        the normalised name, so an unknown account is limited exactly as a known one."""
        user = self.users.find_by_login(login) or self.users.find_by_ldap_uid(login.strip())
        return f"user:{user.id}" if user is not None else f"name:{normalised_login(login)}"

    def password_login(
        self, login: str, password: str, where: LoginRequest, allow_first_login: bool
    ) -> SignedIn:
        """A token for a right login/password within the failed-login limits. A wrong one is
        counted, audited and raised as :class:`LoginFailed` (the caller commits the audit)."""
        account = self.limit_key(login)
        self.limiter.check(account, where.client)
        try:
            outcome = self.check_password(login, password, allow_first_login)
        except LoginFailed:
            self.limiter.failed(account, where.client)
            self.audit.record(
                "login.failed",
                client_addr=where.client,
                detail=f"{where.source} login={login[:64]!r}{where.via()}",
            )
            raise
        self.limiter.succeeded(account, where.client)
        created = " first login, account created" if outcome.created else ""
        return self._sign_in(outcome.user, where, f"{where.source}{created}{where.via()}")

    def check_password(self, login: str, password: str, allow_first_login: bool) -> LoginOutcome:
        """The user for a right login/password, else :class:`LoginFailed` (or 403/503)."""
        user = self.users.find_by_login(login)
        if user is not None and user.is_local:
            if not verify_password(user.password_hash, password):
                raise LoginFailed()
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            return LoginOutcome(_usable(user))
        if self.directory is None:
            verify_password(None, password)  # same cost as a real check: no user enumeration
            raise LoginFailed()
        try:
            entry = self.directory.authenticate(login, password)
        except InvalidCredentials:
            raise LoginFailed() from None
        except NotEligible:
            raise Forbidden("this directory account is not allowed to use SCM") from None
        except DirectoryUnavailable:
            raise Unavailable("the directory (LDAP) cannot be reached; try again later") from None
        user = self._ldap_user(entry)
        if user is not None:
            return LoginOutcome(_usable(user))
        if not allow_first_login:
            raise Forbidden("first login must go through the portal")
        user = self.users.create_user(
            None,
            email=entry.email or f"{entry.uid}@ldap.invalid",
            name=entry.name,
            registration_source="ldap",
            ldap_uid=entry.uid,
            with_default_role=True,
        )
        return LoginOutcome(user, created=True)

    def _ldap_user(self, entry) -> User | None:
        user = self.users.find_by_ldap_uid(entry.uid)
        if user is None:
            clash = self.users.find_by_login(entry.email) if entry.email else None
            if clash is not None:
                # An existing local account with the directory user's email: never merge.
                raise Conflict("an account with this email already exists; ask the administrator")
            return None
        if entry.email and user.email != entry.email:
            user.email, user.email_key = entry.email, entry.email.lower()
        if entry.name and user.name != entry.name:
            user.name = entry.name
        return user

    def sso_login(
        self,
        identity: str,
        email: str,
        name: str,
        where: LoginRequest,
        *,
        allow_first_login: bool = True,
        admin_eligible: bool = False,
    ) -> SignedIn:
        """A token for the SSO identity; its first login creates the account unless the portal
        says this address may not register (``allow_first_login``: its whitelist). A token of
        a user whose attributes match ``auth_sso.admin_attributes`` is marked (its source) so
        that ``/auth/sso_admin_login`` will exchange it."""
        user = self.users.find_by_sso_identity(identity)
        created = False
        if user is not None:
            user = self._refresh_from_idp(_usable(user), email, name)
        elif not allow_first_login:
            raise Forbidden("this SSO identity has no account here, and may not register")
        elif self.users.find_by_login(email) is not None:
            raise Conflict("an account with this email already exists; ask the administrator")
        else:
            try:
                user = self.users.create_user(
                    None,
                    email=email,
                    name=name,
                    registration_source="sso",
                    sso_identity=identity,
                    with_default_role=True,
                )
            except Conflict as exc:
                # Two first logins of one new user at once (two tabs): both found no account,
                # and the other's insert won the unique key. This transaction cannot see that
                # account (its snapshot is older), so the request runs again on a fresh one
                # (pyramid_retry), where it is found and signed in as a returning login. A
                # real clash (the address is a local account's) is refused there as above.
                mark_error_retryable(exc)
                raise
            created = True
        detail = f"{where.source}{' first login, account created' if created else ''}"
        detail += f"{', may act as admin' if admin_eligible else ''}{where.via()}"
        if admin_eligible:
            where = LoginRequest(client=where.client, host=where.host, source=SSO_ADMIN_SOURCE)
        return self._sign_in(user, where, detail)

    def _refresh_from_idp(self, user: User, email: str, name: str) -> User:
        """The identity provider owns an SSO user's name and email (the portal shows them
        read-only): take what it sends now. An email another account already holds is left
        as it was (never two accounts on one address)."""
        if name.strip() and user.name != name.strip()[:255]:
            user.name = name.strip()[:255]
        if email.strip() and user.email != email.strip():
            clash = self.users.find_by_login(email)
            if clash is None or clash.id == user.id:
                with contextlib.suppress(BadRequest):  # not an address: keep the old one
                    user.email, user.email_key = normalise_email(email)
        return user

    def _sign_in(self, user: User, where: LoginRequest, detail: str) -> SignedIn:
        token, expires_at = self.tokens.issue(user, where.source, where.client)
        self.audit.record(
            "login.succeeded",
            actor=user.id,
            subject=user.id,
            client_addr=where.client,
            detail=detail,
        )
        return SignedIn(user, token, expires_at)


def _usable(user: User) -> User:
    if user.active <= 0:
        raise Forbidden("this account is deactivated")
    return user
