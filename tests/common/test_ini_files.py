"""The shipped .ini files parse: the demo ones into settings, the production ones too, except for
the secrets an operator must fill in, which stop the service with a message naming them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyramid.paster import get_appsettings

from cloudauth.settings import AuthSettings
from cloudcontroller.settings import ControllerSettings
from common.settings import ConfigError

INI = Path(__file__).resolve().parents[2] / "ini"


def test_production_cloudauth_ini_refuses_to_start_without_its_key():
    raw = get_appsettings(str(INI / "cloudauth.ini"), "main")
    with pytest.raises(ConfigError, match="apikey.encryption_keys is required"):
        AuthSettings.from_raw(raw)
    settings = AuthSettings.from_raw(dict(raw, **{"apikey.encryption_keys": "A" * 43 + "="}))
    assert settings.auth_sso is False and settings.ldap is None
    assert settings.token_lifetime == 12 * 3600


def test_production_cloudcontroller_ini_parses():
    settings = ControllerSettings.from_raw(
        get_appsettings(str(INI / "cloudcontroller.ini"), "main")
    )
    assert settings.cloud_controller_id == 1
    assert settings.openstack.nova_microversion == "2.90"


def test_demo_ini_files_parse(tmp_path):
    options = {"var": str(tmp_path), "auth_port": "7691", "openstack_port": "7695"}
    auth = AuthSettings.from_raw(
        get_appsettings(str(INI / "demo" / "cloudauth.ini"), "main", options)
    )
    assert auth.default_user_role == "account_owner"
    cc = ControllerSettings.from_raw(
        get_appsettings(str(INI / "demo" / "cloudcontroller.ini"), "main", options)
    )
    assert cc.cloudauth.url == "http://127.0.0.1:7691"
