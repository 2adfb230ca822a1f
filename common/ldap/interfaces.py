"""The directory Cloud Auth may authenticate users against (seed 1.7.4, 1.8.3).

Contract: ``authenticate`` binds as the user found under ``ldap.user_search_dn`` by
``ldap.uid_attr`` and returns who they are; it never returns for a wrong password, a user outside
``ldap.require_group`` or without ``ldap.require_attr``. Hosts in ``ldap.hosts`` are tried in order,
each within ``ldap.timeout``. The login name is escaped: it can never widen the search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class LdapError(Exception):
    """Base of the directory's domain errors."""


class InvalidCredentials(LdapError):
    """No such user, or the wrong password (indistinguishable on purpose)."""


class NotEligible(LdapError):
    """The user exists and the password is right, but the site's requirements exclude them."""


class DirectoryUnavailable(LdapError):
    """No host in ``ldap.hosts`` answered."""


@dataclass(frozen=True)
class LdapUser:
    uid: str
    dn: str
    email: str
    name: str
    system_username: str | None


class Directory(Protocol):
    def authenticate(self, login: str, password: str) -> LdapUser: ...

    def lookup(self, login: str) -> LdapUser | None:
        """The user by uid, without a password check (None when absent or not eligible)."""
