"""Which system name a Cloud Auth user may have, and which uid owns it on this host.

The name decides whose ``$HOME`` root writes SSH keys into, so it is never simply the caller's
choice (issue 16, item 1):

- ``users.driver = ldap``: the accounts live in the directory. The name is the directory's
  ``ldap.uname_attr`` of that Cloud Auth user's LDAP account (its uid attribute when the setting is
  unset), looked up in ``ldap.*`` (the same settings as cloudauth.ini); any other name is refused,
  and so is a Cloud Auth user that is not a directory account.
- ``local`` / ``nis``: SCM creates the account, so a name that already exists on the host (the
  root's passwd and group, and NSS when the root is ``/``) is refused unless SCM made it for this
  same Cloud Auth user (a crashed attempt's leftover, recognised by its GECOS marker).
"""

from __future__ import annotations

import os
import pwd
import re

from common.errors import BadRequest, Conflict, Unavailable
from common.ldap.interfaces import DirectoryUnavailable

# GECOS of the accounts SCM creates: names the Cloud Auth user, so only a retry for that same
# user adopts a leftover entry.
GECOS_PREFIX = "SCM "
UNIX_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def valid_name(name: str, what: str = "system-name") -> str:
    if not UNIX_NAME.match(name):
        raise BadRequest(
            f"{what} {name!r} is not a valid UNIX name: lowercase letters, digits, _ and -, "
            "starting with a letter or _, at most 32 characters"
        )
    return name


def gecos_for(cloudauth_id: str) -> str:
    return GECOS_PREFIX + cloudauth_id


def includeme(config) -> None:
    """Registers the directory the ldap driver asks (``ldap.*``), when ``ldap.hosts`` is set."""
    ldap = config.registry["scm.settings"].users.ldap
    if ldap is not None:
        # The directory Cloud Auth asks too, with the same settings (seed 1.7.4); a bad setting
        # is a ConfigError at start-up. Imported here: ldap3 is loaded only when it is used.
        from common.ldap.directory import directory_from_settings

        config.registry["scm.users_directory"] = (directory_from_settings(ldap), ldap.uname_attr)


def ldap_system_name(found, cloudauth_user: dict, asked: str | None) -> str:
    """The system name of this Cloud Auth user's directory account; ``asked`` must equal it.
    ``found``: (directory, uname_attr) as ``includeme`` registers it, or None."""
    if found is None:
        raise Conflict(
            "users.driver = ldap takes system names from the directory, and ldap.hosts is not "
            "set on this controller"
        )
    directory, uname_attr = found
    login = cloudauth_user.get("ldap_uid")
    if not login:
        raise Conflict(
            "this Cloud Auth user is not a directory (LDAP) account; with users.driver = ldap "
            "only directory accounts get system accounts"
        )
    try:
        entry = directory.lookup(login)
    except DirectoryUnavailable:
        raise Unavailable("the directory (LDAP) cannot be reached; try again later") from None
    if entry is None:
        raise Conflict(f"the directory holds no eligible account {login!r}")
    name = entry.system_username if uname_attr else entry.uid
    if not name:
        raise Conflict(f"the directory account {login!r} has no {uname_attr} (ldap.uname_attr)")
    if asked and asked != name:
        raise BadRequest(
            f"system-name must be {name!r}, this user's account in the directory, or be left out"
        )
    return name


def host_has_name(root: str, name: str) -> bool:
    """True when ``name`` is a user known to the host's name service (only consulted when the
    accounts SCM manages are the host's own, ``users.root = /``)."""
    if os.path.normpath(root) != "/":
        return False
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def account_uid(driver: str, su) -> tuple[int | None, int | None]:
    """(uid, gid) owning this account's files: SCM's own numbers for local/nis, the host's name
    service (which sshd also asks) for directory accounts; (None, None) when it has none."""
    if driver != "ldap":
        return su.uid, su.gid
    try:
        entry = pwd.getpwnam(su.system_name)
    except KeyError:
        return None, None
    return entry.pw_uid, entry.pw_gid
