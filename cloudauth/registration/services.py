"""The registration service: account status by address, self-registration, password reset.

Views check the calling host and parse; this class holds the rules. It never commits (the
transaction manager does) and never logs a password."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudauth.roles.models import Role
from cloudauth.users.models import User
from cloudauth.users.services import UserService, normalise_email
from common.errors import BadRequest, Conflict, Forbidden, NotFound, TooManyRequests
from common.ratelimit import FixedWindowLimiter

# The roles a registration may ask for: the portal's default_user_role (seed 1.8.2).
REGISTRATION_ROLES = frozenset({"", "account_owner"})


@dataclass(frozen=True)
class AccountStatus:
    """``kind``: ``none`` (no account), ``local`` (a password kept here: local, portal, api),
    ``directory`` (LDAP or SSO: the password lives at the site's identity service),
    ``superuser`` (local, but never reset by mail: ``cloudauth-set-password`` on the host)."""

    email: str
    kind: str
    active: bool

    def to_json(self) -> dict:
        return {"email": self.email, "kind": self.kind, "active": self.active}


class Registration:
    def __init__(self, db: Session, users: UserService, limiter: FixedWindowLimiter):
        self.db, self.users, self.limiter = db, users, limiter

    def count_request(self, client_address: str) -> None:
        """One more request from ``client_address``; :class:`TooManyRequests` past the limit."""
        if not self.limiter.hit(client_address):
            seconds = int(self.limiter.window)
            raise TooManyRequests(
                f"too many registration or password requests from this address; try again in "
                f"{seconds} seconds",
                retry_after=seconds,
            )

    def _user(self, email: str) -> User | None:
        _, key = normalise_email(email)
        return self.db.scalar(select(User).where(User.email_key == key))

    def status(self, email: str) -> AccountStatus:
        address, _ = normalise_email(email)
        user = self._user(address)
        if user is None:
            return AccountStatus(address, "none", False)
        kind = "local" if user.is_local else "directory"
        if user.is_local and "superuser" in user.role_names:
            kind = "superuser"
        return AccountStatus(user.email, kind, user.active > 0)

    def register(self, email: str, name: str, password: str, role: str) -> User:
        """A new account with ``registration_source = portal`` and ``role`` (blank or
        ``account_owner``). :class:`Conflict` when the address is taken (any kind of account)."""
        if role not in REGISTRATION_ROLES:
            raise BadRequest("default_role must be blank or account_owner")
        user = self.users.create_user(
            None, email=email, name=name, password=password, registration_source="portal"
        )
        if role:
            user.roles = list(self.db.scalars(select(Role).where(Role.name == role)))
            self.db.flush()
        return user

    def reset_password(self, email: str, password: str) -> tuple[User, int]:
        """Set a local account's password without the old one; every token of the user is
        revoked (whoever held the old password is out). The user and how many tokens ended."""
        user = self._user(email)
        if user is None:
            raise NotFound("no account has this email address")
        if not user.is_local:
            raise Conflict(
                "this account's password is kept by the site's directory (LDAP/SSO); use the "
                "site's password service"
            )
        if "superuser" in user.role_names:
            raise Forbidden(
                "a superuser's password is not reset by mail; the operator sets it with "
                "cloudauth-set-password"
            )
        if user.active <= 0:
            raise Forbidden("this account is deactivated")
        return user, self.users.set_password(None, user, password, note="reset by mail")
