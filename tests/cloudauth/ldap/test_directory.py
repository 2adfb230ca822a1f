"""Ldap3Directory against a real slapd (see conftest.py and slapd.py for the tree)."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from dataclasses import replace

import pytest
from cryptography.fernet import Fernet

from cloudauth.settings import AuthSettings
from common.ldap.directory import Ldap3Directory, directory_from_settings
from common.ldap.interfaces import DirectoryUnavailable, InvalidCredentials, NotEligible
from common.settings import ConfigError
from tests.cloudauth.ldap.slapd import free_port, ldap_settings_for

pytestmark = pytest.mark.ldap


def closed_url() -> str:
    return f"ldap://127.0.0.1:{free_port()}"


@pytest.fixture
def silent_url():
    """A host that accepts TCP connections (the kernel's backlog) and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"ldap://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture(params=["ldap", "ldaps"])
def silent_urls(request):
    """Two silent hosts; over ldaps:// the TLS handshake is what hangs."""
    listeners = [socket.socket() for _ in range(2)]
    for s in listeners:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
    yield tuple(f"{request.param}://127.0.0.1:{s.getsockname()[1]}" for s in listeners)
    for s in listeners:
        s.close()


def directory(settings, **changes) -> Ldap3Directory:
    return directory_from_settings(replace(settings, **changes))


# -- who comes back --------------------------------------------------------------------------


def test_authenticate_maps_the_entry(ldap_settings, slapd):
    alice = slapd.users["alice"]
    user = directory(ldap_settings).authenticate("alice", alice.password)
    assert user.uid == "alice"
    assert user.dn == alice.dn
    assert user.email == "Alice.Liddell@Example.TEST"  # stripped, case as stored
    assert user.name == "Alice Liddell"
    assert user.system_username is None


def test_uname_attr_gives_the_system_username_and_login_may_be_another_attribute(
    ldap_settings, slapd
):
    d = directory(ldap_settings, uid_attr="mail", uname_attr="uid")
    user = d.authenticate("alice.liddell@example.test", slapd.users["alice"].password)
    assert user.uid == "Alice.Liddell@Example.TEST"
    assert user.system_username == "alice"


def test_name_falls_back_to_the_uid_and_absent_uname_is_none(ldap_settings, slapd):
    d = directory(ldap_settings, name_attr="displayName", uname_attr="employeeNumber")
    user = d.authenticate("ALICE", slapd.users["alice"].password)
    assert user.uid == "alice"
    assert user.name == "alice"
    assert user.system_username is None


def test_lookup_finds_without_a_password(ldap_settings, slapd):
    d = directory(ldap_settings)
    assert d.lookup("bob").dn == slapd.users["bob"].dn
    assert d.lookup("nobody") is None


def test_anonymous_search_when_no_bind_user(ldap_settings, slapd):
    d = directory(ldap_settings, bind_uname=None, bind_pw=None)
    assert d.authenticate("bob", slapd.users["bob"].password).uid == "bob"


def test_a_legitimate_name_full_of_filter_syntax_logs_in(ldap_settings, slapd):
    odd = slapd.users["o*dd(1)\\"]
    assert directory(ldap_settings).authenticate(odd.uid, odd.password).uid == odd.uid
    with pytest.raises(InvalidCredentials):
        directory(ldap_settings).authenticate("o*dd(1)", odd.password)


# -- who is refused --------------------------------------------------------------------------


def test_wrong_password_is_invalid_credentials(ldap_settings):
    with pytest.raises(InvalidCredentials):
        directory(ldap_settings).authenticate("alice", "bob-pw")


def test_unknown_user_is_invalid_credentials(ldap_settings):
    with pytest.raises(InvalidCredentials):
        directory(ldap_settings).authenticate("nobody", "alice-pw")


@pytest.mark.parametrize("password", ["", None])
def test_empty_password_is_refused_before_any_bind(ldap_settings, password):
    # Not even a host is asked: the only host is closed, yet the answer is a refusal.
    d = directory(ldap_settings, hosts=(closed_url(),))
    with pytest.raises(InvalidCredentials):
        d.authenticate("alice", password)


@pytest.mark.parametrize(
    "login",
    ["*", "a*", "alic*", "alice*", "alice)(uid=*", "*)(|(uid=*", "*)(uid=alice", "alice\x00",
     "alice\x00*", "\\2a", "alice)(|(objectClass=*)", "(uid=alice)", ""],
)  # fmt: skip
def test_ldap_injection_never_matches_anyone(ldap_settings, slapd, login):
    d = directory(ldap_settings)
    for person in slapd.users.values():
        with pytest.raises(InvalidCredentials):
            d.authenticate(login, person.password)
    assert d.lookup(login) is None


# -- site requirements -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "member", "outsider"),
    [
        ("cn=scm-users,ou=groups,dc=scm,dc=test", "alice", "bob"),  # groupOfNames, memberOf
        ("CN=SCM-Users, OU=Groups, DC=scm, DC=test", "alice", "bob"),  # DN written differently
        ("scm-users", "alice", "bob"),  # bare cn
        ("cn=hpc,ou=groups,dc=scm,dc=test", "bob", "alice"),  # posixGroup memberUid
        ("hpc", "bob", "carol"),
        ("cn=staff,ou=groups,dc=scm,dc=test", "carol", "alice"),  # groupOfUniqueNames
    ],
)
def test_require_group(ldap_settings, slapd, group, member, outsider):
    d = directory(ldap_settings, require_group=group)
    assert d.authenticate(member, slapd.users[member].password).uid == member
    with pytest.raises(NotEligible):
        d.authenticate(outsider, slapd.users[outsider].password)
    assert d.lookup(member).uid == member
    assert d.lookup(outsider) is None


def test_outsider_with_a_wrong_password_learns_nothing_about_eligibility(ldap_settings):
    d = directory(ldap_settings, require_group="scm-users")
    with pytest.raises(InvalidCredentials):
        d.authenticate("bob", "wrong")


def test_missing_required_group_excludes_everyone(ldap_settings, slapd):
    d = directory(ldap_settings, require_group="cn=nope,ou=groups,dc=scm,dc=test")
    with pytest.raises(NotEligible):
        d.authenticate("alice", slapd.users["alice"].password)


def test_require_attr(ldap_settings, slapd):
    d = directory(ldap_settings, require_attr="employeeType")
    assert d.authenticate("alice", slapd.users["alice"].password).uid == "alice"
    with pytest.raises(NotEligible, match="employeeType"):
        d.authenticate("carol", slapd.users["carol"].password)
    assert d.lookup("carol") is None


# -- hosts -----------------------------------------------------------------------------------


def test_a_closed_first_host_is_skipped(ldap_settings, slapd):
    d = directory(ldap_settings, hosts=(closed_url(), slapd.url))
    assert d.authenticate("alice", slapd.users["alice"].password).uid == "alice"


def test_a_silent_first_host_costs_one_timeout(ldap_settings, slapd, silent_url):
    d = directory(ldap_settings, hosts=(silent_url, slapd.url), timeout=0.5)
    started = time.monotonic()
    assert d.authenticate("alice", slapd.users["alice"].password).uid == "alice"
    assert time.monotonic() - started < 1.5


def test_all_hosts_silent_is_unavailable_within_timeout_per_host(ldap_settings, silent_urls):
    d = directory(ldap_settings, hosts=silent_urls, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(DirectoryUnavailable) as raised:
        d.authenticate("alice", "alice-pw")
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 2.0
    assert all(url.split("//")[1] in str(raised.value) for url in silent_urls)


def test_all_hosts_closed_is_unavailable(ldap_settings):
    d = directory(ldap_settings, hosts=(closed_url(), closed_url()))
    with pytest.raises(DirectoryUnavailable):
        d.authenticate("alice", "alice-pw")
    with pytest.raises(DirectoryUnavailable):
        d.lookup("alice")


def test_refused_bind_user_is_unavailable_and_never_shows_a_password(ldap_settings, caplog):
    d = directory(ldap_settings, bind_pw="not-the-binder-pw")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DirectoryUnavailable, match=r"ldap\.bind_pw") as raised:
        d.authenticate("alice", "alice-pw")
    for text in (str(raised.value), caplog.text):
        assert "not-the-binder-pw" not in text
        assert "alice-pw" not in text


def test_a_wrong_user_password_is_never_logged(ldap_settings, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(InvalidCredentials) as raised:
        directory(ldap_settings).authenticate("alice", "guess-1234")
    assert "guess-1234" not in caplog.text + str(raised.value)


# -- TLS -------------------------------------------------------------------------------------


def test_ldaps_with_cacert_file(ldap_settings, slapd):
    d = directory(ldap_settings, hosts=(slapd.ldaps_url,), cacert_file=slapd.certs.ca_file)
    assert d.authenticate("alice", slapd.users["alice"].password).uid == "alice"


def test_ldaps_with_cacert_dir(ldap_settings, slapd):
    if slapd.certs.ca_dir is None:
        pytest.skip("neither `openssl rehash` nor c_rehash is installed")
    d = directory(ldap_settings, hosts=(slapd.ldaps_url,), cacert_dir=slapd.certs.ca_dir)
    assert d.authenticate("alice", slapd.users["alice"].password).uid == "alice"


def test_start_tls_with_cacert_file(ldap_settings, slapd):
    d = directory(ldap_settings, start_tls=True, cacert_file=slapd.certs.ca_file)
    assert d.authenticate("alice", slapd.users["alice"].password).uid == "alice"


def test_untrusted_server_certificate_is_unavailable(ldap_settings, slapd):
    # No CA configured: the system store does not know the test CA.
    for changes in ({"hosts": (slapd.ldaps_url,)}, {"start_tls": True}):
        with pytest.raises(DirectoryUnavailable):
            directory(ldap_settings, **changes).authenticate("alice", "alice-pw")


def test_client_certificate_is_offered_when_the_server_demands_it(ldap_settings, slapd_mtls):
    certs = slapd_mtls.certs
    d = directory(ldap_settings, hosts=(slapd_mtls.ldaps_url,), cacert_file=certs.ca_file)
    with pytest.raises(DirectoryUnavailable):
        d.authenticate("alice", "alice-pw")
    d = directory(
        ldap_settings,
        hosts=(slapd_mtls.ldaps_url,),
        cacert_file=certs.ca_file,
        cert_file=certs.client_cert,
        key_file=certs.client_key,
    )
    assert d.authenticate("alice", slapd_mtls.users["alice"].password).uid == "alice"


def test_a_certificate_for_another_host_is_refused(slapd_certs):
    """The certificate chains to the trusted CA but names elsewhere.invalid, not 127.0.0.1."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(slapd_certs.misnamed_cert, slapd_certs.misnamed_key)
    handshakes = []

    def serve(listener):
        conn, _ = listener.accept()
        with context.wrap_socket(conn, server_side=True) as tls:
            handshakes.append(tls.version())
            tls.settimeout(5)
            with contextlib.suppress(OSError):
                tls.recv(1)  # until the client hangs up

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(5)
        server = threading.Thread(target=serve, args=(listener,), daemon=True)
        server.start()
        url = f"ldaps://127.0.0.1:{listener.getsockname()[1]}"
        d = directory(ldap_settings_for((url,)), cacert_file=slapd_certs.ca_file)
        with pytest.raises(DirectoryUnavailable, match=r"elsewhere\.invalid"):
            d.authenticate("alice", "alice-pw")
        server.join(5)
    assert handshakes  # the chain was trusted: the host name is what failed


# -- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"hosts": ()},
        {"hosts": ("http://127.0.0.1:389",)},
        {"cacert_file": "/nonexistent/ca.pem"},
        {"cacert_dir": "/nonexistent"},
        {"key_file": "/etc/hostname"},
        {"uid_attr": "uid)(cn=*"},
        {"user_search_dn": "not a dn"},
        {"timeout": 0},
    ],
)
def test_bad_settings_fail_at_start_up(changes):
    with pytest.raises(ConfigError):
        directory(ldap_settings_for((closed_url(),)), **changes)


def test_the_ini_settings_reach_the_directory(slapd):
    raw = slapd.raw_settings(require_group="scm-users", uname_attr="uid")
    raw["apikey.encryption_keys"] = Fernet.generate_key().decode()
    d = directory_from_settings(AuthSettings.from_raw(raw).ldap)
    assert d.authenticate("alice", slapd.users["alice"].password).system_username == "alice"
    with pytest.raises(NotEligible):
        d.authenticate("bob", slapd.users["bob"].password)
