"""The portal's settings (every bad value named), its shipped .ini files, its migrations, and
the session store's timeouts (with a fake clock: the one thing tests may fake)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyramid.paster import get_appsettings
from sqlalchemy import inspect

from cloudportal.scripts.initialize_db import main as initialize_db
from cloudportal.session import PortalSession, SessionStore
from cloudportal.settings import PortalSettings
from common.cache import MemoryCache
from common.settings import ConfigError

INI = Path(__file__).resolve().parents[2] / "ini"
BASE = {
    "site.url": "https://portal.example.com",
    "sqlalchemy.url": "sqlite://",
    "cloudauth.url": "https://auth.example.com",
    "cloudcon.1.api_endpoint": "cc1.example.com:443",
}


def test_production_ini_parses_with_safe_defaults():
    settings = PortalSettings.from_raw(get_appsettings(str(INI / "cloudportal.ini"), "main"))
    assert settings.session.cookie_secure is True
    assert settings.session.url.startswith("redis://")
    assert settings.controllers[0].backend.url == "https://cc1.scm.example.com:443/v1"
    assert settings.controllers[0].name == "Penguin West"
    assert settings.nodes_page_size == 20
    assert PortalSettings.from_raw(BASE).nodes_page_size == 20  # the default, when left out


def test_demo_ini_parses(tmp_path):
    options = {
        "var": str(tmp_path),
        "auth_port": "7691",
        "controller_port": "7693",
        "accountant_port": "7692",
        "openstack_port": "7695",
        "portal_port": "7690",
        "mail_port": "7696",
    }
    settings = PortalSettings.from_raw(
        get_appsettings(str(INI / "demo" / "cloudportal.ini"), "main", options)
    )
    assert settings.controllers[0].backend.url == "http://127.0.0.1:7693/v1"
    assert settings.session.cookie_secure is False
    assert settings.registration.site_url == "http://127.0.0.1:7690"
    assert (settings.registration.mail.host, settings.registration.mail.port) == ("127.0.0.1", 7696)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"cloudauth.url": "ftp://x"}, "cloudauth.url"),
        ({"cloudcon.1.driver": "fake"}, "cloudcon.1.driver"),
        ({"cloudcon.1.api_endpoint": "bad host/../x y"}, "cloudcon.1.api_endpoint"),
        ({"cloudcon.1.api_version": "7"}, "cloudcon.1.api_version"),
        ({"cloudcon.1.api_ssl": "maybe"}, "cloudcon.1.api_ssl"),
        ({"cloudcon.x.name": "n"}, "cloudcon.x.name"),
        ({"site.logo": "/no/such/logo.png"}, "site.logo"),
        ({"site.templates": "/no/such/dir"}, "site.templates"),
        ({"session.url": "file:///tmp/x"}, "session.url"),
        ({"session.idle_timeout": "soon"}, "session.idle_timeout"),
        ({"sqlalchemy.url": ""}, "sqlalchemy.url"),
        ({"nodes.page_size": "0"}, "nodes.page_size"),
        ({"nodes.page_size": "twenty"}, "nodes.page_size"),
    ],
)
def test_a_bad_setting_is_refused_by_name(change, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        PortalSettings.from_raw({**BASE, **change})


def test_no_controller_is_refused():
    raw = {k: v for k, v in BASE.items() if not k.startswith("cloudcon.")}
    with pytest.raises(ConfigError, match="cloudcon"):
        PortalSettings.from_raw(raw)


def test_initialize_db_creates_the_schema_once(tmp_path):
    ini = tmp_path / "portal.ini"
    url = f"sqlite:///{tmp_path}/portal.sqlite"
    ini.write_text(
        "[app:main]\nuse = egg:scm#cloudportal\n"
        + "".join(f"{k} = {v}\n" for k, v in {**BASE, "sqlalchemy.url": url}.items())
    )
    assert initialize_db([str(ini)]) == 0
    from sqlalchemy import create_engine

    assert "portal_preferences" in inspect(create_engine(url)).get_table_names()
    assert initialize_db([str(ini)]) == 0  # a second run at the newest schema changes nothing
    assert initialize_db([str(ini), "--upgrade"]) == 0


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def saved(store) -> PortalSession:
    session = PortalSession(store, None, None, store.clock())
    session["token"] = "t"
    store.save(session)
    return session


def test_session_ends_after_the_idle_timeout():
    clock = Clock()
    store = SessionStore(MemoryCache(), idle=60, absolute=3600, clock=clock)
    session = saved(store)
    clock.now += 59
    assert store.load(session.id)["data"] == {"token": "t"}
    clock.now += 61
    assert store.load(session.id) is None


def test_session_ends_after_the_absolute_timeout_however_active():
    clock = Clock()
    store = SessionStore(MemoryCache(), idle=60, absolute=150, clock=clock)
    session = saved(store)
    for _ in range(3):
        clock.now += 50
        record = store.load(session.id)
        assert record is not None
        store.save(PortalSession(store, session.id, record, clock()))
    clock.now += 10  # 160 s after login, 10 s after the last request
    assert store.load(session.id) is None


def test_rotate_gives_a_new_id_and_drops_the_old_one():
    store = SessionStore(MemoryCache(), idle=60, absolute=3600)
    session = saved(store)
    old = session.id
    session.rotate()
    store.save(session)
    assert session.id != old
    assert store.load(old) is None and store.load(session.id)["data"]["token"] == "t"
