"""The portal's mail driver against real aiosmtpd servers (plain, STARTTLS with login, TLS from
the start), and every registration and mail setting refused by name."""

from __future__ import annotations

import ssl

import pytest

from cloudportal.registration.mail import MailFailed, SMTPMailer
from cloudportal.registration.settings import parse_mail
from cloudportal.settings import PortalSettings
from common.settings import ConfigError, Raw
from tests import live
from tests.cloudauth.ldap.slapd import make_certs

BASE = {
    "sqlalchemy.url": "sqlite://",
    "cloudauth.url": "https://auth.example.com",
    "cloudcon.1.api_endpoint": "cc1.example.com:443",
    "site.url": "https://portal.example.com",
}


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("mail-certs"))


class _Server:
    """aiosmtpd on loopback: ``starttls``/``ssl`` with the test CA's server certificate,
    ``login`` required (only over TLS) when ``credentials`` are given."""

    def __init__(self, certs, mode: str = "plain", credentials=None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message
        from aiosmtpd.smtp import AuthResult

        received = self.received = []

        class Keep(Message):
            def handle_message(self, message):
                received.append(message)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = credentials and (auth_data.login, auth_data.password) == tuple(
                x.encode() for x in credentials
            )
            return AuthResult(success=bool(ok))

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certs.server_cert, certs.server_key)
        kw = {}
        if mode == "starttls":
            kw = {"tls_context": context, "require_starttls": True}
        if mode == "ssl":
            kw = {"ssl_context": context}
        if credentials:
            kw.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
        self.port = live.free_port()
        self.controller = Controller(Keep(), hostname="127.0.0.1", port=self.port, **kw)
        self.controller.start()

    def stop(self):
        self.controller.stop()


def _mailer(server, **settings) -> SMTPMailer:
    raw = {"mail.host": "127.0.0.1", "mail.port": str(server.port), **settings}
    return SMTPMailer(parse_mail(Raw(raw)), "Penguin SCM")


def test_plain_smtp_delivers_a_plain_text_message(certs):
    server = _Server(certs)
    try:
        _mailer(server, **{"mail.sender": "scm@example.com"}).send(
            "ann@example.edu", "Subject here", "Body with a link\nhttps://x/y\n"
        )
    finally:
        server.stop()
    (message,) = server.received
    assert message["From"] == "Penguin SCM <scm@example.com>"
    assert message["To"] == "ann@example.edu" and message["Subject"] == "Subject here"
    assert "https://x/y" in message.get_payload(decode=True).decode()
    assert message["Message-ID"].endswith("@example.com>")


def test_starttls_with_login_against_the_sites_ca(certs):
    server = _Server(certs, "starttls", credentials=("relay-user", "relay-pw"))
    try:
        settings = {
            "mail.starttls": "true",
            "mail.username": "relay-user",
            "mail.password": "relay-pw",
            "mail.verify_tls": certs.ca_file,
        }
        _mailer(server, **settings).send("ann@example.edu", "s", "b")
        assert len(server.received) == 1
        with pytest.raises(MailFailed):
            wrong = {**settings, "mail.password": "wrong", "mail.timeout": "3"}
            _mailer(server, **wrong).send("a@b.cd", "s", "b")
        # the system CAs do not know the test CA: refused, nothing sent
        with pytest.raises(MailFailed, match="CERTIFICATE_VERIFY_FAILED|certificate verify"):
            _mailer(server, **{**settings, "mail.verify_tls": "true"}).send("a@b.cd", "s", "b")
        # without STARTTLS the server refuses to go on
        with pytest.raises(MailFailed):
            _mailer(server).send("a@b.cd", "s", "b")
    finally:
        server.stop()
    assert len(server.received) == 1


def test_tls_from_the_first_byte(certs):
    server = _Server(certs, "ssl")
    try:
        _mailer(server, **{"mail.ssl": "true", "mail.verify_tls": certs.ca_file}).send(
            "ann@example.edu", "s", "b"
        )
    finally:
        server.stop()
    assert len(server.received) == 1


def test_a_mail_server_that_is_down_is_a_mail_failure_not_a_crash():
    with pytest.raises(MailFailed):
        mailer = SMTPMailer(
            parse_mail(
                Raw(
                    {
                        "mail.host": "127.0.0.1",
                        "mail.port": str(live.free_port()),
                        "mail.timeout": "2",
                    }
                )
            ),
            "x",
        )
        mailer.send("a@b.cd", "s", "b")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"userauth.driver": "self"}, "userauth.driver"),
        ({"registration.type": "open"}, "registration.type"),
        ({"default_user_role": "superuser"}, "default_user_role"),
        ({"site.url": ""}, "site.url"),
        ({"site.url": "portal.example.com"}, "site.url"),
        ({"registration.link_lifetime": "0"}, "registration.link_lifetime"),
        ({"password_reset.link_lifetime": "soon"}, "password_reset.link_lifetime"),
        ({"registration.max_mails_per_address": "0"}, "registration.max_mails_per_address"),
        ({"registration.mail_window": "-1"}, "registration.mail_window"),
        ({"mail.host": "bad host"}, "mail.host"),
        ({"mail.port": "70000"}, "mail.port"),
        ({"mail.ssl": "true", "mail.starttls": "true"}, "mail.ssl"),
        ({"mail.username": "u"}, "mail.username"),
        ({"mail.sender": "not an address"}, "mail.sender"),
        ({"mail.timeout": "0"}, "mail.timeout"),
        ({"mail.verify_tls": "/no/such/ca.pem"}, "mail.verify_tls"),
    ],
)
def test_a_bad_registration_or_mail_setting_is_refused_by_name(change, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        PortalSettings.from_raw({**BASE, **change})


def test_defaults_and_the_ldap_driver_without_site_url():
    settings = PortalSettings.from_raw(BASE).registration
    assert (settings.driver, settings.whitelist, settings.default_user_role) == ("email", False, "")
    assert (settings.link_lifetime, settings.reset_link_lifetime) == (86400, 3600)
    assert (settings.mail.host, settings.mail.port, settings.mail.verify_tls) == (
        "localhost",
        25,
        True,
    )
    ssl_port = PortalSettings.from_raw({**BASE, "mail.ssl": "true"}).registration.mail.port
    assert ssl_port == 465
    raw = {k: v for k, v in BASE.items() if k != "site.url"}
    ldap = PortalSettings.from_raw({**raw, "userauth.driver": "ldap"}).registration
    assert ldap.driver == "ldap" and not ldap.self_registration
