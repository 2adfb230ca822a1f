"""Registration, forgotten passwords and mail (seed 1.8.2, 1.8.5, 1.8.6): parsed once with the
rest of the portal's settings; a bad value is a :class:`ConfigError` naming it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlparse

from common.settings import ConfigError, Raw

# Self-registration with email validation, or LDAP (users do not register: they log in).
DRIVERS = ("email", "ldap")
_SENDER = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,255}$")


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    starttls: bool
    ssl: bool
    username: str | None
    password: str | None
    sender: str
    timeout: float
    verify_tls: bool | str = True  # or the path of a CA bundle


@dataclass(frozen=True)
class RegistrationSettings:
    driver: str  # userauth.driver
    whitelist: bool  # registration.type = whitelist
    default_user_role: str  # "" or account_owner
    site_url: str  # where links in mails point (never the request's Host header)
    link_lifetime: float  # registration links
    reset_link_lifetime: float  # password reset links
    max_mails_per_address: int
    max_mails_per_client: int
    mail_window: float
    mail: MailSettings

    @property
    def self_registration(self) -> bool:
        return self.driver == "email"


def _positive(r: Raw, key: str, default: float) -> float:
    seconds = r.duration(key, default)
    if seconds <= 0:
        raise ConfigError(f"setting {key} must be a positive duration")
    return seconds


def parse_mail(r: Raw) -> MailSettings:
    host = r.str("mail.host", "localhost").strip()
    if not host or not re.match(r"^[A-Za-z0-9.\-:\[\]]{1,255}$", host):
        raise ConfigError(f"setting mail.host must be a host name or address, not {host!r}")
    ssl, starttls = r.bool("mail.ssl", False), r.bool("mail.starttls", False)
    if ssl and starttls:
        raise ConfigError(
            "settings mail.ssl and mail.starttls: choose one (ssl is TLS from the start)"
        )
    port = r.int("mail.port", 465 if ssl else 25, minimum=1)
    if port > 65535:
        raise ConfigError("setting mail.port must be 1 to 65535")
    username, password = r.optional("mail.username"), r.optional("mail.password")
    if (username is None) != (password is None):
        raise ConfigError(
            "settings mail.username and mail.password go together: set both or neither"
        )
    sender = r.str("mail.sender", "scm-portal@localhost").strip()
    if not _SENDER.match(sender):
        raise ConfigError(f"setting mail.sender must be an email address, not {sender!r}")
    verify: bool | str = True
    value = (r.str("mail.verify_tls", "true") or "true").strip()
    if value.lower() in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        verify = r.bool("mail.verify_tls", True)
    elif os.path.isfile(value):
        verify = value
    else:
        raise ConfigError(
            f"setting mail.verify_tls: true, false or a CA bundle file, not {value!r}"
        )
    return MailSettings(
        verify_tls=verify,
        host=host,
        port=port,
        starttls=starttls,
        ssl=ssl,
        username=username,
        password=password,
        sender=sender,
        timeout=_positive(r, "mail.timeout", 10),
    )


def parse_registration(r: Raw) -> RegistrationSettings:
    driver = (r.str("userauth.driver", "email") or "email").strip()
    if driver not in DRIVERS:
        raise ConfigError(f"setting userauth.driver must be email or ldap, not {driver!r}")
    kind = (r.optional("registration.type") or "").strip()
    if kind not in ("", "whitelist"):
        raise ConfigError(f"setting registration.type must be blank or whitelist, not {kind!r}")
    role = (r.optional("default_user_role") or "").strip()
    if role not in ("", "account_owner"):
        raise ConfigError(f"setting default_user_role must be blank or account_owner, not {role!r}")
    site_url = (r.optional("site.url") or "").strip().rstrip("/")
    parsed = urlparse(site_url)
    if site_url and (parsed.scheme not in ("http", "https") or not parsed.netloc):
        raise ConfigError(f"setting site.url must be an http:// or https:// URL, not {site_url!r}")
    if driver == "email" and not site_url:
        raise ConfigError(
            "setting site.url is required with userauth.driver = email: the links the portal "
            "mails point there (https://portal.example.com)"
        )
    return RegistrationSettings(
        driver=driver,
        whitelist=kind == "whitelist",
        default_user_role=role,
        site_url=site_url,
        link_lifetime=_positive(r, "registration.link_lifetime", 24 * 3600),
        reset_link_lifetime=_positive(r, "password_reset.link_lifetime", 3600),
        max_mails_per_address=r.int("registration.max_mails_per_address", 3, minimum=1),
        max_mails_per_client=r.int("registration.max_mails_per_client", 10, minimum=1),
        mail_window=_positive(r, "registration.mail_window", 3600),
        mail=parse_mail(r),
    )
