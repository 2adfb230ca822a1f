"""Settings of UNIX system accounts, groups and SSH keys (seed 1.9.4, 1.9.5, 1.9.8)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from common.ldap.settings import LdapSettings, parse_ldap
from common.settings import ConfigError, Raw

USER_DRIVERS = ("ldap", "local", "nis")


def argv(r: Raw, key: str, default: str) -> tuple[str, ...]:
    """A command line setting, split as a shell would (no shell ever runs it)."""
    words = tuple(shlex.split(r.str(key, default)))
    if not words:
        raise ConfigError(f"setting {key} must name a command")
    return words


@dataclass(frozen=True)
class UserSettings:
    driver: str = "ldap"
    # The system whose etc/passwd, group, shadow the local and nis drivers change ("/" in
    # production). The real shadow tools run with --prefix <root> when it is not "/".
    root: str = "/"
    useradd: tuple[str, ...] = ("/usr/sbin/useradd",)
    usermod: tuple[str, ...] = ("/usr/sbin/usermod",)
    userdel: tuple[str, ...] = ("/usr/sbin/userdel",)
    groupadd: tuple[str, ...] = ("/usr/sbin/groupadd",)
    groupdel: tuple[str, ...] = ("/usr/sbin/groupdel",)
    nis_make: tuple[str, ...] = ("/usr/bin/make", "-C", "/var/yp")
    command_timeout: float = 30.0
    uid_min: int = 10000
    uid_max: int = 59999
    shell: str = "/bin/bash"
    home_root: str = "/home"
    ssh_key_mgmt: bool = True
    autocreate_storage: bool = False
    keystone_role: str = "member"
    # ``ldap.*``: where the ldap driver finds system names
    ldap: LdapSettings | None = None

    @property
    def manages_unix(self) -> bool:
        return self.driver in ("local", "nis")

    @classmethod
    def from_raw(cls, r: Raw) -> UserSettings:
        driver = r.str("users.driver", "ldap").lower()
        if driver not in USER_DRIVERS:
            raise ConfigError(f"setting users.driver must be one of {', '.join(USER_DRIVERS)}")
        uid_min = r.int("users.uid_min", 10000, minimum=1000)
        uid_max = r.int("users.uid_max", 59999, minimum=uid_min)
        return cls(
            driver=driver,
            root=r.str("users.root", "/"),
            useradd=argv(r, "users.useradd", "/usr/sbin/useradd"),
            usermod=argv(r, "users.usermod", "/usr/sbin/usermod"),
            userdel=argv(r, "users.userdel", "/usr/sbin/userdel"),
            groupadd=argv(r, "users.groupadd", "/usr/sbin/groupadd"),
            groupdel=argv(r, "users.groupdel", "/usr/sbin/groupdel"),
            nis_make=argv(r, "users.nis.make", "/usr/bin/make -C /var/yp"),
            command_timeout=r.duration("users.command_timeout", 30),
            uid_min=uid_min,
            uid_max=uid_max,
            shell=r.str("users.shell", "/bin/bash"),
            home_root=r.str("users.home_root", "/home"),
            ssh_key_mgmt=r.bool("scm.ssh_key_mgmt", True),
            autocreate_storage=r.bool("userauth.autocreate_storage", False),
            keystone_role=r.str("users.keystone_role", "member"),
            # The same ldap.* settings and parser as Cloud Auth's (seed 1.7.4).
            ldap=parse_ldap(r) if r.words("ldap.hosts") else None,
        )
