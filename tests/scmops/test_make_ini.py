"""``scm-make-ini``: the four .ini files it writes are read by each app's own settings class,
the apps start on them, and the secrets agree across files (the controller's service account
signs an OAuth token request that Cloud Auth accepts)."""

from __future__ import annotations

import configparser
import io
import os

import pytest
import sqlalchemy as sa
import webtest
from oauthlib.oauth1 import Client
from pyramid.paster import get_app, get_appsettings

from cloudaccountant.settings import AccountantSettings
from cloudauth.scripts import service_account
from cloudauth.settings import AuthSettings
from cloudcontroller.settings import ControllerSettings
from cloudportal.settings import PortalSettings
from common.cache import MemoryCache
from common.migrations import upgrade
from scmops import make_ini

SETTINGS = {
    "cloudauth": AuthSettings,
    "cloudcontroller": ControllerSettings,
    "cloudaccountant": AccountantSettings,
    "cloudportal": PortalSettings,
}


def answers(tmp_path, *extra):
    db = {app: f"sqlite:///{tmp_path}/{app}.sqlite" for app in SETTINGS}
    return [
        "--out", str(tmp_path / "etc"),
        "--domain", "scm.example.org",
        "--auth-db", db["cloudauth"],
        "--controller-db", db["cloudcontroller"],
        "--accountant-db", db["cloudaccountant"],
        "--portal-db", db["cloudportal"],
        "--redis-url", "redis://127.0.0.1:6379/3",
        "--openstack-auth-url", "https://keystone.example.org:5000/v3",
        "--wsgi-root", str(tmp_path / "wsgi"),
        "--trusted-proxies", "10.0.0.5", "10.0.0.6",
        "--scm-hosts", "10.0.0.11", "10.0.0.12",
        *extra,
    ]  # fmt: skip


@pytest.fixture
def written(tmp_path, monkeypatch):
    monkeypatch.setenv("SCM_OPENSTACK_PASSWORD", "os-secret")
    for app in SETTINGS:
        (tmp_path / "wsgi" / app).mkdir(parents=True)
    assert make_ini.main(answers(tmp_path)) == 0
    return tmp_path / "etc"


def test_every_file_is_read_by_its_app_settings_class(written):
    for app, cls in SETTINGS.items():
        raw = get_appsettings(str(written / f"{app}.ini"), "main")
        settings = cls.from_raw(dict(raw))
        assert settings is not None
    auth = AuthSettings.from_raw(dict(get_appsettings(str(written / "cloudauth.ini"))))
    assert len(auth.apikey_encryption_keys) == 1
    portal = PortalSettings.from_raw(dict(get_appsettings(str(written / "cloudportal.ini"))))
    assert portal.cloudauth.url == "https://auth.scm.example.org"
    assert portal.controllers[0].backend.url == "https://controller.scm.example.org/v1"
    assert portal.session.url == "redis://127.0.0.1:6379/3" and portal.session.cookie_secure
    status = configparser.ConfigParser()
    status.read(written / "scm-status.ini")
    assert status["scm-status"]["cloudaccountant.url"] == "https://accountant.scm.example.org"
    for name in os.listdir(written):
        assert os.stat(written / name).st_mode & 0o777 == 0o640, name


def test_secrets_are_fresh_each_run(tmp_path, written, monkeypatch):
    first = (written / "cloudauth.ini").read_text()
    assert make_ini.main(answers(tmp_path, "--force")) == 0
    second = (written / "cloudauth.ini").read_text()
    key = [line for line in first.splitlines() if line.startswith("apikey.encryption_keys")]
    assert key and key[0] not in second


def test_an_existing_file_is_not_overwritten(tmp_path, written, capsys):
    before = (written / "cloudauth.ini").read_text()
    assert make_ini.main(answers(tmp_path)) == 2
    assert "exists (--force to overwrite)" in capsys.readouterr().err
    assert (written / "cloudauth.ini").read_text() == before


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--auth-db", "not a url", "--auth-db: 'not a url' is not a database URL"),
        ("--redis-url", "http://x", "--redis-url must be redis://"),
        ("--domain", "a/b", "--domain must be a host name"),
    ],
)
def test_bad_answers_are_one_line(tmp_path, monkeypatch, capsys, option, value, message):
    monkeypatch.setenv("SCM_OPENSTACK_PASSWORD", "x")
    argv = answers(tmp_path)
    argv[argv.index(option) + 1] = value
    assert make_ini.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "etc").exists()


def test_the_password_is_read_from_stdin_not_argv(tmp_path, monkeypatch):
    monkeypatch.delenv("SCM_OPENSTACK_PASSWORD", raising=False)
    assert make_ini.main(answers(tmp_path), stdin=io.StringIO("from-stdin\n")) == 0
    raw = get_appsettings(str(tmp_path / "etc" / "cloudcontroller.ini"), "main")
    assert raw["openstack.password"] == "from-stdin"


def test_the_apps_start_on_the_files_and_their_secrets_agree(written):
    apps = {}
    for app in SETTINGS:
        apps[app] = get_app(str(written / f"{app}.ini"), "main")
        upgrade(app, apps[app].registry["scm.db_engine"])
    controller = dict(get_appsettings(str(written / "cloudcontroller.ini"), "main"))
    key, secret = controller["cloudauth.api_key"], controller["cloudauth.api_secret"]
    # The registration line the command prints, run as the operator would.
    argv = [str(written / "cloudauth.ini"), "--email", "cc1@scm.example.org"]
    argv += ["--role", "cloudcontroller_admin", "--cloud-controller-id", "1"]
    argv += ["--api-key", key, "--secret-from-stdin"]
    rc = service_account.main(argv, stdin=io.StringIO(secret + "\n"))
    assert rc == 0
    auth = apps["cloudauth"]
    auth.registry["scm.cache"] = MemoryCache()  # no Redis needed for this check
    url = "http://auth.scm.example.org/auth/request_token"
    _, headers, _ = Client(key, client_secret=secret).sign(url, http_method="GET")
    answer = webtest.TestApp(auth, extra_environ={"HTTP_HOST": "auth.scm.example.org"}).get(
        "/auth/request_token", headers=headers
    )
    assert answer.json["success"] is True
    # A secret that is not the one in cloudcontroller.ini is refused: the check can fail.
    _, headers, _ = Client(key, client_secret=secret[::-1]).sign(url, http_method="GET")
    refused = webtest.TestApp(auth, extra_environ={"HTTP_HOST": "auth.scm.example.org"}).get(
        "/auth/request_token", headers=headers, expect_errors=True
    )
    assert refused.status_int == 401
    for app in apps.values():
        app.registry["scm.db_engine"].dispose()
    assert sa  # the database URLs above are plain SQLite files
