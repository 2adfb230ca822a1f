"""``ldap.hosts`` takes LDAP URLs as RFC 4516 writes them (issue 16, item 6); a bad one is a
``ConfigError`` naming the setting. No directory server needed: these tests never bind."""

from __future__ import annotations

import pytest

from cloudauth import main
from cloudauth.settings import AuthSettings
from common.ldap.directory import directory_from_settings
from common.ldap.interfaces import DirectoryUnavailable
from common.settings import ConfigError
from tests.cloudauth.conftest import DEMO_KEY
from tests.cloudauth.ldap.slapd import free_port


def settings_with(hosts: str) -> AuthSettings:
    return AuthSettings.from_raw(
        {
            "apikey.encryption_keys": DEMO_KEY,
            "ldap.hosts": hosts,
            "ldap.user_search_dn": "ou=people,dc=example,dc=com",
            "ldap.timeout": "1",
        }
    )


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("ldap://ldap.example.com:389/", "ldap://ldap.example.com:389"),
        ("ldap://ldap.example.com:389", "ldap://ldap.example.com:389"),
        ("ldap://ldap.example.com/", "ldap://ldap.example.com:389"),
        ("LDAPS://LDAP.example.com/", "ldaps://ldap.example.com:636"),
        ("ldaps://ldap.example.com:1636/dc=example,dc=com??sub", "ldaps://ldap.example.com:1636"),
        ("ldap.example.com", "ldap://ldap.example.com:389"),
        ("ldap.example.com:10389", "ldap://ldap.example.com:10389"),
        ("ldap://[2001:db8::1]:389/", "ldap://[2001:db8::1]:389"),
        ("ldap://192.0.2.7//", "ldap://192.0.2.7:389"),
    ],
)
def test_ldap_urls_in_their_standard_forms_are_accepted(written, meant):
    assert settings_with(written).ldap.hosts == (meant,)


def test_several_hosts_keep_their_order():
    hosts = settings_with("ldaps://a.example.com/ ldap://b.example.com:3389/").ldap.hosts
    assert hosts == ("ldaps://a.example.com:636", "ldap://b.example.com:3389")
    # Commas separate entries too, except inside a URL's DN.
    written = "ldap://a.example.com/dc=example,dc=com ldap://b.example.com,c.example.com:1389"
    assert settings_with(written).ldap.hosts == (
        "ldap://a.example.com:389",
        "ldap://b.example.com:389",
        "ldap://c.example.com:1389",
    )


@pytest.mark.parametrize(
    "bad",
    [
        "ldap://host:port/",
        "ldap://host:0/",
        "ldap://host:65536/",
        "ldap://host:-1/",
        "http://host/",
        "ldap:///dc=example,dc=com",
        "ldap://user:pw@host/",
        "ldap://host_name!/",
        "ldap://",
        "ldap://[2001:db8::1/",
    ],
)
def test_a_bad_host_is_a_config_error_naming_the_setting(bad):
    with pytest.raises(ConfigError) as caught:
        settings_with(bad)
    message = str(caught.value)
    assert message.startswith("setting ldap.hosts")
    assert "\n" not in message


def test_cloud_auth_starts_with_the_standard_url_form(auth_db_url):
    app = main(
        {},
        **{
            "sqlalchemy.url": auth_db_url,
            "cache.url": "memory://ldap-hosts-test",
            "apikey.encryption_keys": DEMO_KEY,
            "ldap.hosts": "ldap://127.0.0.1:389/",
            "ldap.user_search_dn": "ou=people,dc=example,dc=com",
        },
    )
    assert app.registry["scm.directory"] is not None


def test_the_directory_dials_the_port_the_url_names():
    port = free_port()  # nothing listens there: the refusal names the host it tried
    directory = directory_from_settings(settings_with(f"ldap://127.0.0.1:{port}/").ldap)
    with pytest.raises(DirectoryUnavailable) as caught:
        directory.authenticate("alice", "secret")
    assert f"127.0.0.1:{port}" in str(caught.value)
