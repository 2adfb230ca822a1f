"""A real, throwaway OpenLDAP server for tests (Debian ``slapd``): start, load, stop by PID.

``start_slapd(workdir)`` writes its own ``slapd.conf`` (back_mdb; schemas core, cosine,
inetorgperson, nis; the memberof overlay), starts ``slapd`` in the foreground on free loopback
ports (``ldap://`` always, ``ldaps://`` too when given certificates), loads the tree below over
LDAP as the rootdn, and returns a :class:`Slapd` describing it. ``Slapd.stop()`` ends that PID.

The tree, under ``dc=scm,dc=test``::

    ou=people    alice  in scm-users (groupOfNames), employeeType set
                 bob    in hpc (posixGroup, memberUid), employeeType set, not in scm-users
                 carol  in scm-users and staff (groupOfUniqueNames), no employeeType
                 odd    uid "o*dd(1)\\", in scm-users: a legitimate name full of filter syntax
    ou=groups    scm-users, hpc, staff
    ou=services  binder: the search (bind) user
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from common.ldap.settings import LdapSettings

SLAPD = "/usr/sbin/slapd"
SCHEMA_DIR = "/etc/ldap/schema"
MODULE_DIR = "/usr/lib/ldap"

BASE_DN = "dc=scm,dc=test"
PEOPLE_DN = f"ou=people,{BASE_DN}"
GROUPS_DN = f"ou=groups,{BASE_DN}"
ROOT_DN = f"cn=admin,{BASE_DN}"
ROOT_PW = "root-secret"
BIND_DN = f"cn=binder,ou=services,{BASE_DN}"
BIND_PW = "binder-secret"
GROUP_DN = f"cn=scm-users,{GROUPS_DN}"
POSIX_GROUP_DN = f"cn=hpc,{GROUPS_DN}"
UNIQUE_GROUP_DN = f"cn=staff,{GROUPS_DN}"


@dataclass(frozen=True)
class Person:
    uid: str
    password: str
    cn: str
    mail: str
    uid_number: int
    employee_type: str | None = None

    @property
    def dn(self) -> str:
        return f"uid={_dn_value(self.uid)},{PEOPLE_DN}"


PEOPLE = {
    p.uid: p
    for p in (
        Person(
            "alice", "alice-pw", "Alice Liddell", " Alice.Liddell@Example.TEST ", 10001, "cloud"
        ),
        Person("bob", "bob-pw", "Bob Builder", "bob@example.test", 10002, "cloud"),
        Person("carol", "carol-pw", "Carol Danvers", "carol@example.test", 10003),
        Person("o*dd(1)\\", "odd-pw", "Odd Name", "odd@example.test", 10004, "cloud"),
    )
}


@dataclass(frozen=True)
class Certs:
    """A throwaway CA, a server certificate for 127.0.0.1/localhost, and a client certificate."""

    ca_file: str
    # ca_file alone in a directory with OpenSSL's hash links; None when no tool could make them
    ca_dir: str | None
    server_cert: str
    server_key: str
    client_cert: str
    client_key: str
    misnamed_cert: str  # from the same CA, for elsewhere.invalid: a host-name check must refuse it
    misnamed_key: str


@dataclass
class Slapd:
    """A running slapd: where it listens and who can log in."""

    process: subprocess.Popen
    workdir: Path
    url: str
    ldaps_url: str | None
    certs: Certs | None
    base_dn: str = BASE_DN
    people_dn: str = PEOPLE_DN
    group_dn: str = GROUP_DN
    posix_group_dn: str = POSIX_GROUP_DN
    unique_group_dn: str = UNIQUE_GROUP_DN
    root_dn: str = ROOT_DN
    root_pw: str = ROOT_PW
    bind_dn: str = BIND_DN
    bind_pw: str = BIND_PW
    users: dict[str, Person] = field(default_factory=lambda: dict(PEOPLE))

    @property
    def pid(self) -> int:
        return self.process.pid

    def raw_settings(self, **overrides: str) -> dict[str, str]:
        """``ldap.*`` settings as they would appear in cloudauth.ini, for this server's tree;
        ``overrides`` use the ini names without the prefix (``require_group="scm-users"``)."""
        raw = {
            "hosts": self.url,
            "timeout": "2",
            "bind_uname": self.bind_dn,
            "bind_pw": self.bind_pw,
            "user_search_dn": self.people_dn,
            "uid_attr": "uid",
            "mail_attr": "mail",
            "name_attr": "cn",
        }
        raw.update(overrides)
        return {f"ldap.{key}": value for key, value in raw.items()}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def ldap_settings_for(hosts: tuple[str, ...]) -> LdapSettings:
    """Settings for this module's tree on ``hosts``: the bind user, no requirements."""
    return LdapSettings(
        hosts=hosts,
        timeout=2.0,
        cert_file=None,
        key_file=None,
        cacert_file=None,
        cacert_dir=None,
        start_tls=False,
        bind_uname=BIND_DN,
        bind_pw=BIND_PW,
        user_search_dn=PEOPLE_DN,
        uid_attr="uid",
        mail_attr="mail",
        name_attr="cn",
        uname_attr=None,
        require_group=None,
        require_attr=None,
    )


def slapd_missing() -> str | None:
    """Why a slapd cannot be started here, or None when it can."""
    if not os.access(SLAPD, os.X_OK):
        return f"{SLAPD} is absent: apt-get install -y slapd ldap-utils"
    if not os.path.isfile(os.path.join(SCHEMA_DIR, "nis.schema")):
        return f"the OpenLDAP schemas are absent from {SCHEMA_DIR}"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_slapd(workdir: Path, *, certs: Certs | None = None, verify_client: bool = False) -> Slapd:
    """Start a loaded slapd in ``workdir``; with ``certs`` it also listens on ldaps:// and StartTLS,
    and with ``verify_client`` it refuses TLS clients without a certificate from the CA."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "db").mkdir(exist_ok=True)
    conf = workdir / "slapd.conf"
    conf.write_text(_config(workdir, certs, verify_client))
    url = f"ldap://127.0.0.1:{free_port()}"
    ldaps_url = f"ldaps://127.0.0.1:{free_port()}" if certs else None
    listen = " ".join(u + "/" for u in (url, ldaps_url) if u)
    log = open(workdir / "slapd.log", "wb")  # noqa: SIM115 - slapd writes it until stopped
    process = subprocess.Popen(
        [SLAPD, "-f", str(conf), "-h", listen, "-d", "0"],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log.close()
    slapd = Slapd(process=process, workdir=workdir, url=url, ldaps_url=ldaps_url, certs=certs)
    try:
        _wait_listening(slapd, [url, ldaps_url])
        _load(slapd)
    except BaseException:
        slapd.stop()
        raise
    return slapd


def _config(workdir: Path, certs: Certs | None, verify_client: bool) -> str:
    lines = [f"include {SCHEMA_DIR}/{name}.schema" for name in ("core", "cosine", "inetorgperson")]
    lines += [
        f"include {SCHEMA_DIR}/nis.schema",
        f"modulepath {MODULE_DIR}",
        "moduleload back_mdb",
        "moduleload memberof",
        f"pidfile {workdir}/slapd.pid",
        f"argsfile {workdir}/slapd.args",
    ]
    if certs:
        lines += [
            f"TLSCACertificateFile {certs.ca_file}",
            f"TLSCertificateFile {certs.server_cert}",
            f"TLSCertificateKeyFile {certs.server_key}",
            f"TLSVerifyClient {'demand' if verify_client else 'never'}",
        ]
    lines += [
        "database mdb",
        "maxsize 16777216",
        f'suffix "{BASE_DN}"',
        f'rootdn "{ROOT_DN}"',
        f"rootpw {ROOT_PW}",
        f"directory {workdir}/db",
        "overlay memberof",
        "access to attrs=userPassword by self write by anonymous auth by * none",
        "access to * by * read",
    ]
    return "\n".join(lines) + "\n"


def _wait_listening(slapd: Slapd, urls: list[str | None], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    for url in filter(None, urls):
        port = int(url.rsplit(":", 1)[1])
        while True:
            if slapd.process.poll() is not None:
                log = (slapd.workdir / "slapd.log").read_text(errors="replace")
                raise RuntimeError(f"slapd exited with {slapd.process.returncode}:\n{log}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"slapd is not listening on {url} after {within}s") from None
                time.sleep(0.02)


def _ssha(password: str) -> str:
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt, usedforsecurity=False).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _dn_value(value: str) -> str:
    from ldap3.utils.dn import escape_rdn

    return escape_rdn(value)


def _tree() -> list[tuple[str, list[str], dict]]:
    entries = [
        (BASE_DN, ["dcObject", "organization"], {"dc": "scm", "o": "SCM test"}),
        (PEOPLE_DN, ["organizationalUnit"], {"ou": "people"}),
        (GROUPS_DN, ["organizationalUnit"], {"ou": "groups"}),
        (f"ou=services,{BASE_DN}", ["organizationalUnit"], {"ou": "services"}),
        (
            BIND_DN,
            ["applicationProcess", "simpleSecurityObject"],
            {"cn": "binder", "userPassword": _ssha(BIND_PW)},
        ),
    ]
    for p in PEOPLE.values():
        attrs = {
            "uid": p.uid,
            "cn": p.cn,
            "sn": p.cn.split()[-1],
            "mail": p.mail,
            "userPassword": _ssha(p.password),
            "uidNumber": str(p.uid_number),
            "gidNumber": "10000",
            "homeDirectory": f"/home/user{p.uid_number}",
        }
        if p.employee_type:
            attrs["employeeType"] = p.employee_type
        entries.append((p.dn, ["inetOrgPerson", "posixAccount"], attrs))
    # Groups after people, so the memberof overlay fills the members' memberOf.
    entries += [
        (
            GROUP_DN,
            ["groupOfNames"],
            {"cn": "scm-users", "member": [PEOPLE[u].dn for u in ("alice", "carol", "o*dd(1)\\")]},
        ),
        (POSIX_GROUP_DN, ["posixGroup"], {"cn": "hpc", "gidNumber": "20000", "memberUid": ["bob"]}),
        (
            UNIQUE_GROUP_DN,
            ["groupOfUniqueNames"],
            {"cn": "staff", "uniqueMember": PEOPLE["carol"].dn},
        ),
    ]
    return entries


def _load(slapd: Slapd) -> None:
    from ldap3 import Connection, Server

    conn = Connection(Server(slapd.url, connect_timeout=5), ROOT_DN, ROOT_PW, receive_timeout=5)
    if not conn.bind():
        raise RuntimeError(f"slapd refused the rootdn: {conn.result}")
    try:
        for dn, classes, attrs in _tree():
            if not conn.add(dn, classes, attrs):
                raise RuntimeError(f"slapd refused {dn}: {conn.result}")
    finally:
        conn.unbind()


def make_certs(directory: Path) -> Certs:
    """A CA and the certificates it signs (see :class:`Certs`), as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)

    def write_key(name: str, key) -> str:
        path = directory / name
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
        return str(path)

    def issue(name: str, key, issuer_name, issuer_key, *, ca: bool, usage=None, sans=None):
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name or subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=not ca,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=ca,
                    crl_sign=ca,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        )
        if issuer_key is not key:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
            )
        if usage:
            builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def write_cert(name: str, cert) -> str:
        path = directory / name
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return str(path)

    import ipaddress

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = issue("SCM test CA", ca_key, None, ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = issue(
        "127.0.0.1", server_key, ca.subject, ca_key, ca=False,
        usage=ExtendedKeyUsageOID.SERVER_AUTH, sans=sans,
    )  # fmt: skip
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = issue(
        "scm-cloudauth", client_key, ca.subject, ca_key, ca=False,
        usage=ExtendedKeyUsageOID.CLIENT_AUTH,
    )  # fmt: skip
    misnamed_key = ec.generate_private_key(ec.SECP256R1())
    misnamed = issue(
        "elsewhere.invalid", misnamed_key, ca.subject, ca_key, ca=False,
        usage=ExtendedKeyUsageOID.SERVER_AUTH, sans=[x509.DNSName("elsewhere.invalid")],
    )  # fmt: skip
    ca_file = write_cert("ca.pem", ca)
    return Certs(
        ca_file=ca_file,
        ca_dir=_hashed_dir(directory / "cadir", ca_file),
        server_cert=write_cert("server.pem", server),
        server_key=write_key("server.key", server_key),
        client_cert=write_cert("client.pem", client),
        client_key=write_key("client.key", client_key),
        misnamed_cert=write_cert("misnamed.pem", misnamed),
        misnamed_key=write_key("misnamed.key", misnamed_key),
    )


def _hashed_dir(directory: Path, ca_file: str) -> str | None:
    """``ca_file`` in a directory with the hash links OpenSSL's CApath needs, or None without a
    tool to make them (``openssl rehash`` or ``c_rehash``)."""
    directory.mkdir(exist_ok=True)
    shutil.copy(ca_file, directory / "ca.pem")
    openssl, c_rehash = shutil.which("openssl"), shutil.which("c_rehash")
    if openssl:
        command = [openssl, "rehash", str(directory)]
    elif c_rehash:
        command = [c_rehash, str(directory)]
    else:
        return None
    subprocess.run(command, check=True, capture_output=True, timeout=30)
    return str(directory)
