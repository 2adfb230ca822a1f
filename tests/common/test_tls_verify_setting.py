"""TLS verification settings read one way (common.settings.Raw.tls_verify) by every app:
true/false words, or the path of a CA bundle (issue 10, item 3)."""

from __future__ import annotations

import pytest

from cloudaccountant.settings import AccountantSettings
from cloudcontroller.openstack.settings import OpenStackSettings
from cloudcontroller.settings import ControllerSettings
from common.settings import Raw

OPENSTACK = {
    "openstack.auth_url": "http://127.0.0.1:9/identity/v3",
    "openstack.username": "admin",
    "openstack.password": "secret",
    "openstack.project_name": "scm",
}


@pytest.mark.parametrize(
    ("value", "verify"),
    [
        (None, True),
        ("true", True),
        ("Yes", True),
        ("on", True),
        ("false", False),
        ("0", False),
        ("", False),
        (" /etc/ssl/ca.pem ", "/etc/ssl/ca.pem"),
    ],
)
def test_words_or_a_ca_bundle(value, verify):
    raw = {} if value is None else {"x.verify": value}
    assert Raw(raw).tls_verify("x.verify") == verify
    # The same reading in every app that has such a setting.
    assert (
        OpenStackSettings.from_settings({**OPENSTACK, **raw_as("openstack.verify", value)}).verify
        == verify
    )
    accountant = AccountantSettings.from_raw(
        {
            "sqlalchemy.accountant.url": "sqlite://",
            "cloudauth.url": "http://x",
            **raw_as("cloudauth.verify_tls", value),
        }
    )
    assert accountant.cloudauth.verify_tls == verify
    controller = ControllerSettings.from_raw(
        {"cloudauth.url": "http://x", **OPENSTACK, **raw_as("cloudauth.verify_tls", value)}
    )
    assert controller.cloudauth.verify_tls == verify


def raw_as(key, value):
    return {} if value is None else {key: value}


def test_a_ca_file_setting_wins_over_the_word():
    assert Raw({"v": "false", "ca": "/ca.pem"}).tls_verify("v", ca_file_key="ca") == "/ca.pem"
    assert Raw({"v": "false", "ca": " "}).tls_verify("v", ca_file_key="ca") is False
    controller = ControllerSettings.from_raw(
        {"cloudauth.url": "http://x", **OPENSTACK, "cloudauth.verify_tls": "true",
         "cloudauth.ca_file": "/etc/scm/ca.pem"}
    )  # fmt: skip
    assert controller.cloudauth.verify_tls == "/etc/scm/ca.pem"
