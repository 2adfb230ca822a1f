"""The directory over ldap3 (seed 1.7.4, 1.8.3): the only module that imports ldap3.

How a login is checked, on the first host of ``ldap.hosts`` that answers:

1. a service connection binds as ``ldap.bind_uname``/``ldap.bind_pw`` (anonymously when unset);
2. it searches ``ldap.user_search_dn`` (subtree) for ``(<ldap.uid_attr>=<login>)`` with the login
   escaped (RFC 4515), so ``*``, ``(``, ``)``, ``\\`` and NUL are literals and can never widen the
   search; anything but exactly one entry is :class:`InvalidCredentials`;
3. a second connection binds as that entry's DN with the password (an empty password is refused
   before any bind: LDAP would treat it as an unauthenticated bind and "succeed");
4. only then the site's requirements are checked, so a wrong password never reveals eligibility:
   ``ldap.require_attr`` must have a non-blank value; the user must be in ``ldap.require_group``.

``ldap.require_group`` is either a group DN (any value containing ``=``) or a bare group ``cn``.
Membership holds when the user's ``memberOf`` names the group, or when the group entry lists the
user in ``member`` or ``uniqueMember`` (by DN) or ``memberUid`` (by the entry's RFC 2307 ``uid``).
A bare cn is looked up under the directory suffix, the trailing ``dc=`` part of
``ldap.user_search_dn`` (its last RDN when it has no ``dc=``).

Hosts: ``ldap://host[:port]`` (plain, or StartTLS when ``ldap.start_tls``), ``ldaps://host[:port]``,
or a bare host name (plain LDAP on 389). Every TLS session verifies the server certificate against
``ldap.cacert_file``/``ldap.cacert_dir`` (the system store when neither is set) and its host name;
``ldap.cert_file``/``ldap.key_file`` are the client certificate offered to servers that ask.
A host that refuses the connection, times out (``ldap.timeout`` bounds the connect and every
reply), fails TLS, or refuses the service bind is skipped; when none is left the error is
:class:`DirectoryUnavailable`, whose message gives each host's reason. A refused service bind is
thus reported as ``DirectoryUnavailable`` (it is the site's configuration, not the user, at fault).
"""

from __future__ import annotations

import logging
import os
import re
import ssl
from dataclasses import dataclass

from ldap3 import ANONYMOUS, BASE, NONE, SIMPLE, SUBTREE, SYNC, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import to_dn

from common.ldap.interfaces import DirectoryUnavailable, InvalidCredentials, LdapUser, NotEligible
from common.ldap.settings import LdapSettings
from common.settings import ConfigError

log = logging.getLogger(__name__)

# An attribute description as RFC 4512 spells it: a name or a numeric OID.
_ATTRIBUTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$")
_MAX_LOGIN = 256

# Result codes meaning "this host cannot serve now" rather than "no": operationsError,
# timeLimitExceeded, adminLimitExceeded, busy, unavailable, other.
_HOST_TROUBLE = frozenset({1, 3, 11, 51, 52, 80})
_NO_SUCH_OBJECT = 32
_SIZE_LIMIT_EXCEEDED = 4


class _HostFailed(Exception):
    """This host did not answer usefully; the next one in ``ldap.hosts`` is tried."""


@dataclass(frozen=True)
class _Entry:
    dn: str
    attributes: dict[str, list[str]]

    def values(self, attribute: str | None) -> list[str]:
        if not attribute:
            return []
        return [v.strip() for v in self.attributes.get(attribute.lower(), []) if v.strip()]

    def first(self, attribute: str | None) -> str | None:
        values = self.values(attribute)
        return values[0] if values else None


class Ldap3Directory:
    """:class:`common.ldap.interfaces.Directory` against real LDAP servers through ldap3."""

    def __init__(self, settings: LdapSettings):
        _check(settings)
        self._settings = settings
        self._tls = _tls(settings)
        self._urls = tuple(_url(host) for host in settings.hosts)
        for url in self._urls:
            try:
                self._server(url)
            except LDAPException as e:
                raise ConfigError(f"setting ldap.hosts: {url!r}: {e}") from None
        # DNs as ldap3 accepts them (it refuses the spaces LDAPv2-style DNs put after commas).
        self._search_dn = _compact(settings.user_search_dn)
        self._group_dn = (
            _compact(settings.require_group) if _is_dn(settings.require_group) else None
        )
        self._suffix = _suffix(settings.user_search_dn)

    def authenticate(self, login: str, password: str) -> LdapUser:
        if not _plausible(login) or not isinstance(password, str) or not password:
            raise InvalidCredentials()
        return self._on_first_host(lambda server: self._authenticate_on(server, login, password))

    def lookup(self, login: str) -> LdapUser | None:
        """The user by login, without a password check (None when absent or not eligible)."""
        if not _plausible(login):
            return None
        return self._on_first_host(lambda server: self._lookup_on(server, login))

    # -- one host ---------------------------------------------------------------------------

    def _authenticate_on(self, server: Server, login: str, password: str) -> LdapUser:
        service = self._service_connection(server)
        try:
            entry = self._find(service, login)
            if entry is None:
                raise InvalidCredentials()
            self._check_password(server, entry.dn, password)
            refusal = self._refusal(service, entry)
        finally:
            _close(service)
        if refusal:
            raise NotEligible(refusal)
        return self._user(entry, login)

    def _lookup_on(self, server: Server, login: str) -> LdapUser | None:
        service = self._service_connection(server)
        try:
            entry = self._find(service, login)
            if entry is None or self._refusal(service, entry):
                return None
        finally:
            _close(service)
        return self._user(entry, login)

    def _server(self, url: str) -> Server:
        # A Server per attempt: ldap3 keeps per-connection state (current_address) on it.
        return Server(url, tls=self._tls, connect_timeout=self._settings.timeout, get_info=NONE)

    def _on_first_host(self, work):
        reasons = []
        for url in self._urls:
            try:
                return work(self._server(url))
            except _HostFailed as e:
                reason = str(e)
            except (LDAPException, OSError) as e:
                reason = f"{type(e).__name__}: {e}"
            log.warning("LDAP host %s skipped: %s", url, reason)
            reasons.append(f"{url}: {reason}")
        raise DirectoryUnavailable("no LDAP host answered (" + "; ".join(reasons) + ")")

    def _service_connection(self, server: Server) -> Connection:
        s = self._settings
        if s.bind_uname:
            conn = self._connection(server, s.bind_uname, s.bind_pw or "")
            who = f"the bind as {s.bind_uname}"
        else:
            conn = self._connection(server, None, None)
            who = "the anonymous bind"
        if not conn.bind():
            result = _result(conn)
            _close(conn)
            raise _HostFailed(
                f"{who} was refused ({result}); check ldap.bind_uname and ldap.bind_pw"
            )
        return conn

    def _check_password(self, server: Server, dn: str, password: str) -> None:
        conn = self._connection(server, dn, password)
        try:
            if conn.bind():
                return
            if conn.result.get("result") in _HOST_TROUBLE:
                raise _HostFailed(f"the user bind failed ({_result(conn)})")
            raise InvalidCredentials()
        finally:
            _close(conn)

    def _connection(self, server: Server, user: str | None, password: str | None) -> Connection:
        """An open connection, TLS started when configured, not yet bound."""
        # No receive_timeout: ldap3 2.9 packs it into SO_RCVTIMEO as a whole number and rejects
        # fractions. The socket keeps connect_timeout as its timeout, which ldap3 sets before
        # connect() and never resets, so ldap.timeout bounds the TLS handshake and every reply.
        conn = Connection(
            server,
            user=user,
            password=password,
            authentication=SIMPLE if user else ANONYMOUS,
            client_strategy=SYNC,
            raise_exceptions=False,
            auto_referrals=False,
            read_only=True,
        )
        try:
            conn.open()
            if self._settings.start_tls and not server.ssl:
                conn.start_tls()
        except BaseException:
            _close(conn)
            raise
        return conn

    def _find(self, conn: Connection, login: str) -> _Entry | None:
        s = self._settings
        wanted = {"uid", "memberOf"} | {
            a for a in (s.uid_attr, s.mail_attr, s.name_attr, s.uname_attr, s.require_attr) if a
        }
        conn.search(
            self._search_dn,
            f"({s.uid_attr}={escape_filter_chars(login)})",
            search_scope=SUBTREE,
            attributes=sorted(wanted),
            size_limit=2,
        )
        code = conn.result.get("result")
        entries = _entries(conn)
        if code == _NO_SUCH_OBJECT:
            log.warning(
                "ldap.user_search_dn %s does not exist on %s", s.user_search_dn, _name(conn)
            )
            return None
        if code == _SIZE_LIMIT_EXCEEDED or len(entries) > 1:
            log.warning("LDAP login %r matches more than one entry; refused", login)
            return None
        if code != 0:
            raise _HostFailed(f"the user search failed ({_result(conn)})")
        return entries[0] if entries else None

    def _refusal(self, conn: Connection, entry: _Entry) -> str | None:
        """Why the site's requirements exclude this user, or None when they are eligible."""
        s = self._settings
        if s.require_attr and not entry.values(s.require_attr):
            return f"the LDAP entry has no {s.require_attr} (ldap.require_attr)"
        if s.require_group and not self._in_group(conn, entry, s.require_group):
            return f"not a member of {s.require_group} (ldap.require_group)"
        return None

    def _in_group(self, conn: Connection, entry: _Entry, group: str) -> bool:
        if any(_names_group(value, group) for value in entry.values("memberOf")):
            return True
        clauses = [f"(member={escape_filter_chars(entry.dn)})"]
        clauses.append(f"(uniqueMember={escape_filter_chars(entry.dn)})")
        clauses += [f"(memberUid={escape_filter_chars(uid)})" for uid in entry.values("uid")]
        members = "(|" + "".join(clauses) + ")"
        if self._group_dn:
            conn.search(self._group_dn, members, search_scope=BASE, attributes=["1.1"])
        else:
            found = f"(&(cn={escape_filter_chars(group)}){members})"
            conn.search(self._suffix, found, search_scope=SUBTREE, attributes=["1.1"], size_limit=1)
        code = conn.result.get("result")
        if code == _NO_SUCH_OBJECT:
            log.warning("ldap.require_group %s is not found on %s", group, _name(conn))
            return False
        if code not in (0, _SIZE_LIMIT_EXCEEDED):
            raise _HostFailed(f"the group search failed ({_result(conn)})")
        return bool(_entries(conn))

    def _user(self, entry: _Entry, login: str) -> LdapUser:
        s = self._settings
        uids = entry.values(s.uid_attr)
        uid = next((u for u in uids if u.casefold() == login.strip().casefold()), None)
        uid = uid or (uids[0] if uids else login.strip())
        return LdapUser(
            uid=uid,
            dn=entry.dn,
            email=entry.first(s.mail_attr) or "",
            name=entry.first(s.name_attr) or uid,
            system_username=entry.first(s.uname_attr),
        )


def directory_from_settings(settings: LdapSettings) -> Ldap3Directory:
    """The directory ``ldap.*`` describes; a bad setting raises :class:`ConfigError` now."""
    return Ldap3Directory(settings)


# -- helpers ----------------------------------------------------------------------------------


def _check(s: LdapSettings) -> None:
    if not s.hosts:
        raise ConfigError("setting ldap.hosts is empty")
    for host in s.hosts:
        scheme = host.split("://", 1)[0].lower() if "://" in host else "ldap"
        if scheme not in ("ldap", "ldaps"):
            raise ConfigError(f"setting ldap.hosts: {host!r} is not an ldap:// or ldaps:// URL")
    if s.timeout <= 0:
        raise ConfigError("setting ldap.timeout must be positive")
    for key in ("uid_attr", "mail_attr", "name_attr", "uname_attr", "require_attr"):
        value = getattr(s, key)
        if value is not None and not _ATTRIBUTE.match(value):
            raise ConfigError(f"setting ldap.{key}: {value!r} is not an attribute name")
    for key in ("cert_file", "key_file", "cacert_file"):
        path = getattr(s, key)
        if path and not os.path.isfile(path):
            raise ConfigError(f"setting ldap.{key}: no such file {path}")
    if s.cacert_dir and not os.path.isdir(s.cacert_dir):
        raise ConfigError(f"setting ldap.cacert_dir: no such directory {s.cacert_dir}")
    if s.key_file and not s.cert_file:
        raise ConfigError("setting ldap.key_file needs ldap.cert_file")
    if _rdns(s.user_search_dn) is None:
        raise ConfigError(f"setting ldap.user_search_dn: {s.user_search_dn!r} is not a DN")
    if s.require_group and _is_dn(s.require_group) and _rdns(s.require_group) is None:
        raise ConfigError(f"setting ldap.require_group: {s.require_group!r} is not a DN")


def _tls(s: LdapSettings) -> Tls:
    try:
        return Tls(
            local_certificate_file=s.cert_file,
            local_private_key_file=s.key_file,
            ca_certs_file=s.cacert_file,
            ca_certs_path=s.cacert_dir,
            validate=ssl.CERT_REQUIRED,
        )
    except LDAPException as e:
        raise ConfigError(f"ldap TLS settings: {e}") from None


def _url(host: str) -> str:
    return host if "://" in host else f"ldap://{host}"


def _plausible(login) -> bool:
    return isinstance(login, str) and bool(login.strip()) and len(login) <= _MAX_LOGIN


def _is_dn(group: str | None) -> bool:
    return bool(group) and "=" in group


def _compact(dn: str) -> str:
    return ",".join(f"{a}={v}" for a, v in _rdns(dn) or ())


def _rdns(dn: str) -> tuple[tuple[str, str], ...] | None:
    """A DN's (attribute, value) pairs, spaces around ``,`` and ``=`` dropped (LDAPv2 style DNs,
    which servers accept, are common in config files); None when it is not a DN."""
    rdns = tuple(to_dn(dn, decompose=True, remove_space=True)) if dn and dn.strip() else ()
    if not rdns or any(not a or not v or not _ATTRIBUTE.match(a) for a, v in rdns):
        return None
    return rdns


def _normal_dn(dn: str) -> tuple[tuple[str, str], ...] | None:
    rdns = _rdns(dn)
    return tuple((a.lower(), v.lower()) for a, v in rdns) if rdns else None


def _names_group(member_of: str, group: str) -> bool:
    """Whether a ``memberOf`` value is the required group (a DN, or a bare cn)."""
    rdns = _normal_dn(member_of)
    if not rdns:
        return False
    if _is_dn(group):
        return rdns == _normal_dn(group)
    return rdns[0] == ("cn", group.strip().lower())


def _suffix(search_dn: str) -> str:
    """The directory suffix a bare group cn is looked for under."""
    rdns = _rdns(search_dn) or ()
    tail = []
    for attr, value in reversed(rdns):
        if attr.lower() != "dc":
            break
        tail.insert(0, f"{attr}={value}")
    return ",".join(tail) or "=".join(rdns[-1])


def _entries(conn: Connection) -> list[_Entry]:
    found = []
    for item in conn.response or []:
        if item.get("type") != "searchResEntry":
            continue
        raw = item.get("raw_attributes") or {}
        attributes: dict[str, list[str]] = {}
        for name, values in raw.items():
            values = values if isinstance(values, list) else [values]
            attributes.setdefault(name.lower(), []).extend(
                v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values
            )
        found.append(_Entry(dn=item["dn"], attributes=attributes))
    return found


def _result(conn: Connection) -> str:
    result = conn.result or {}
    words = [str(result.get("description") or "no result")]
    if result.get("message"):
        words.append(str(result["message"]))
    return ": ".join(words)


def _name(server_or_conn) -> str:
    server = getattr(server_or_conn, "server", server_or_conn)
    scheme = "ldaps" if server.ssl else "ldap"
    return f"{scheme}://{server.host}:{server.port}"


def _close(conn: Connection) -> None:
    try:
        if not conn.closed:
            conn.unbind()
    except (LDAPException, OSError):
        pass
