"""The accountant's settings: the shipped .ini files parse; bad values name the setting."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from cloudaccountant.settings import AccountantSettings, pyramid_settings
from common.settings import ConfigError

INI = Path(__file__).resolve().parents[2] / "ini"


def _app_settings(path: Path, **defaults) -> dict:
    parser = configparser.ConfigParser(defaults=defaults)
    parser.read(path)
    return {k: v for k, v in parser.items("app:main") if k not in defaults and k != "use"}


def test_the_production_ini_parses():
    settings = AccountantSettings.from_raw(_app_settings(INI / "cloudaccountant.ini"))
    (cc,) = settings.controllers
    assert cc.id == 1 and set(cc.urls) == {"instances", "storage", "user_storage", "users"}
    assert settings.timezone.key == "UTC" and settings.batch_size == 50000
    assert settings.ssh_options == ("-o", "BatchMode=yes", "-o", "ConnectTimeout=15")
    assert settings.bulk_load is True
    off = AccountantSettings.from_raw(
        {**_app_settings(INI / "cloudaccountant.ini"), "import.bulk_load": "false"}
    )
    assert off.bulk_load is False


def test_the_demo_ini_parses(tmp_path):
    raw = _app_settings(INI / "demo" / "cloudaccountant.ini", var=str(tmp_path), auth_port="7691")
    settings = AccountantSettings.from_raw(raw)
    assert settings.cloudauth.url == "http://127.0.0.1:7691"
    assert settings.db_url == f"sqlite:///{tmp_path}/cloudaccountant.sqlite"
    # common.db sees the accountant's own database, not the controllers'.
    assert pyramid_settings(raw)["sqlalchemy.url"] == settings.db_url
    assert not any(k.startswith("sqlalchemy.cloud") for k in pyramid_settings(raw))


BASE = {"sqlalchemy.accountant.url": "sqlite://", "cloudauth.url": "http://127.0.0.1:1"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"accounting.timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        (
            {"sqlalchemy.cloud.x.instances.url": "sqlite://"},
            "expected sqlalchemy.cloud.<controller",
        ),
        ({"sqlalchemy.cloud.1.lsf.path": "/x"}, "unknown resource type 'lsf'"),
        ({"sqlalchemy.cloud.0.users.url": "sqlite://"}, "cloud controller ids start at 1"),
        (
            {"sqlalchemy.cloud.1.slurm.sacct": "sacct"},
            "sqlalchemy.cloud.1.slurm.server is required",
        ),
        ({"sqlalchemy.cloud.1.sge.cluster": "c"}, "sqlalchemy.cloud.1.sge.path is required"),
        ({"import.batch_size": "0"}, "import.batch_size must be at least 1"),
        ({"import.bulk_load": "sometimes"}, "import.bulk_load must be true or false"),
    ],
)
def test_bad_settings_stop_with_the_setting_named(extra, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        AccountantSettings.from_raw({**BASE, **extra})


def test_the_database_setting_is_required():
    with pytest.raises(ConfigError, match="sqlalchemy.accountant.url is required"):
        AccountantSettings.from_raw({"cloudauth.url": "http://x"})
