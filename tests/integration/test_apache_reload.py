"""The shipped HA vhost and .wsgi of Cloud Auth under a real Apache + mod_wsgi in daemon mode:
a changed .ini takes effect when, and only when, the app's .wsgi file is touched (seed 1.15.6),
and Apache itself is not restarted for it."""

from __future__ import annotations

import os
import tempfile
import time

import pytest
import requests

from common.db import make_engine
from common.migrations import upgrade
from tests.conftest import skip_or_fail
from tests.integration.apache import apache_missing, setup_scm_apache
from tests.live import DEMO_KEY


def auth_ini(db_url: str, login_hosts: str) -> str:
    return (
        "[app:main]\nuse = egg:scm#cloudauth\n"
        f"sqlalchemy.url = {db_url}\napikey.encryption_keys = {DEMO_KEY}\n"
        f"login_allowed.hosts = {login_hosts}\ncache.url = memory://reload\n"
    )


@pytest.fixture
def apache_auth():
    reason = apache_missing()
    if reason:
        skip_or_fail(reason)
    data = tempfile.mkdtemp(prefix="scm-reload-db-")
    os.chmod(data, 0o777)
    url = f"sqlite:///{data}/cloudauth.sqlite"
    engine = make_engine({"sqlalchemy.url": url})
    upgrade("cloudauth", engine)
    engine.dispose()
    os.chmod(f"{data}/cloudauth.sqlite", 0o666)
    host = setup_scm_apache({"cloudauth": auth_ini(url, "192.0.2.1")})
    host.start()
    yield host, url
    host.stop()


def login(url: str) -> int:
    form = {"username": "admin", "password": "Penguin"}
    return requests.post(f"{url}/auth/login", data=form, timeout=10).status_code


def test_touching_the_wsgi_file_reloads_the_app_without_restarting_apache(apache_auth):
    host, db_url = apache_auth
    url = host.urls["cloudauth"]
    apache_pid = host.pid
    assert login(url) == 403  # 127.0.0.1 is not in login_allowed.hosts
    ini = host.wsgi_dirs["cloudauth"] / "cloudauth.ini"
    ini.write_text(auth_ini(db_url, "127.0.0.1"))
    time.sleep(1.1)  # the .wsgi's mtime must move past the last load (1 s resolution)
    assert login(url) == 403, "the daemon rereads nothing until the .wsgi is touched"
    (host.wsgi_dirs["cloudauth"] / "cloudauth.wsgi").touch()
    assert login(url) == 200
    assert host.pid == apache_pid and os.path.exists(f"/proc/{apache_pid}")
    # The vhost writes Apache's logs where seed 1.19.1 says (moved under the host's root here).
    assert "POST /auth/login" in (host.root / "logs" / "cloudauth" / "access.log").read_text()
