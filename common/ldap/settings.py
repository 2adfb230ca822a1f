"""The ``ldap.*`` settings (seed 1.7.4, 1.8.3), parsed the same way for Cloud Auth and the Cloud
Controller: a frozen :class:`LdapSettings` from a :class:`common.settings.Raw`."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from common.settings import ConfigError, Raw


@dataclass(frozen=True)
class LdapSettings:
    hosts: tuple[str, ...]
    timeout: float
    cert_file: str | None
    key_file: str | None
    cacert_file: str | None
    cacert_dir: str | None
    start_tls: bool
    bind_uname: str | None
    bind_pw: str | None
    user_search_dn: str
    uid_attr: str
    mail_attr: str
    name_attr: str
    uname_attr: str | None
    require_group: str | None
    require_attr: str | None


def parse_ldap(r: Raw) -> LdapSettings:
    search_dn = r.optional("ldap.user_search_dn")
    if not search_dn:
        raise ConfigError("setting ldap.user_search_dn is required when ldap.hosts is set")
    return LdapSettings(
        hosts=ldap_urls(r.str("ldap.hosts", "")),
        timeout=r.duration("ldap.timeout", 5),
        cert_file=r.optional("ldap.cert_file"),
        key_file=r.optional("ldap.key_file"),
        cacert_file=r.optional("ldap.cacert_file"),
        cacert_dir=r.optional("ldap.cacert_dir"),
        start_tls=r.bool("ldap.start_tls", False),
        bind_uname=r.optional("ldap.bind_uname"),
        bind_pw=r.optional("ldap.bind_pw"),
        user_search_dn=search_dn,
        uid_attr=r.str("ldap.uid_attr", "uid"),
        mail_attr=r.str("ldap.mail_attr", "mail"),
        name_attr=r.str("ldap.name_attr", "cn"),
        uname_attr=r.optional("ldap.uname_attr"),
        # The portal guide calls it ldap.auth_require_group (seed 1.8.3); both are read.
        require_group=r.optional("ldap.require_group") or r.optional("ldap.auth_require_group"),
        require_attr=r.optional("ldap.require_attr"),
    )


# One entry: an optional scheme, the authority, then an optional path running to the next space:
# a DN in the path has commas of its own; elsewhere commas separate entries, as spaces do.
_LDAP_ENTRY = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://)?[^\s,/]*(?:/\S*)?")
_HOST_NAME = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]{0,252})$")
_LDAP_PORTS = {"ldap": 389, "ldaps": 636}


def ldap_urls(value: str) -> tuple[str, ...]:
    return tuple(ldap_url(m.group(0)) for m in _LDAP_ENTRY.finditer(value) if m.group(0))


def ldap_url(text: str) -> str:
    """One ``ldap.hosts`` entry as ``scheme://host:port``. Takes the LDAP URL forms of RFC 4516
    (``ldap://host:389/``, with any DN, attributes or filter after the slash, which Cloud Auth
    does not use: its search base is ``ldap.user_search_dn``) and a bare ``host[:port]``."""
    url = text if "://" in text else f"ldap://{text}"
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname or ""
    except ValueError as exc:  # a port that is not a number, or out of range; a bad [v6]
        raise ConfigError(f"setting ldap.hosts: {text!r} is not an LDAP URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _LDAP_PORTS:
        raise ConfigError(f"setting ldap.hosts: {text!r} is not an ldap:// or ldaps:// URL")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"setting ldap.hosts: {text!r} carries credentials; use ldap.bind_uname and "
            "ldap.bind_pw"
        )
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
        if not _HOST_NAME.match(host):
            raise ConfigError(f"setting ldap.hosts: {text!r} names no valid host") from None
    if port is not None and not 1 <= port <= 65535:
        raise ConfigError(f"setting ldap.hosts: {text!r}: the port must be 1-65535")
    shown = f"[{host}]" if address is not None and address.version == 6 else host
    return f"{scheme}://{shown}:{port or _LDAP_PORTS[scheme]}"
