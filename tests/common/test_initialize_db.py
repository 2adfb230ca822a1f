"""The four ``initialize_<app>_db`` scripts behave alike (one helper, common.scripts.initialize_db):
an empty database gets the newest schema; an initialised one is left alone with one line unless
``--upgrade`` is given; a setting the app refuses, or a database URL that cannot be used, is one
line and status 2, never a traceback."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cloudaccountant.scripts import initialize_db as accountant
from cloudauth.scripts import initialize_db as cloudauth
from cloudcontroller.scripts import initialize_db as controller
from cloudportal.scripts import initialize_db as portal
from tests.live import DEMO_KEY

# (console script, its main, the app, the key of its database URL, the rest of a good .ini,
#  a table the schema has, a setting the app refuses and the words naming it)
APPS = [
    (
        "initialize_cloudauth_db",
        cloudauth.main,
        "cloudauth",
        "sqlalchemy.url",
        {"apikey.encryption_keys": DEMO_KEY},
        "users",
        {"default_user_role": "superuser"},
        "setting default_user_role",
    ),
    (
        "initialize_cloudcontroller_db",
        controller.main,
        "cloudcontroller",
        "sqlalchemy.url",
        {
            "cloudauth.url": "http://127.0.0.1:9",
            "openstack.auth_url": "http://127.0.0.1:9/identity/v3",
            "openstack.username": "admin",
            "openstack.password": "secret",
            "openstack.project_name": "scm",
        },
        "server_instances",
        {"cloud_controller_id": "zero"},
        "setting cloud_controller_id",
    ),
    (
        "initialize_accountant_db",
        accountant.main,
        "cloudaccountant",
        "sqlalchemy.accountant.url",
        {"cloudauth.url": "http://127.0.0.1:9"},
        "jobs",
        {"accounting.timezone": "Mars/Base"},
        "setting accounting.timezone",
    ),
    (
        "initialize_cloudportal_db",
        portal.main,
        "cloudportal",
        "sqlalchemy.url",
        {
            "cloudauth.url": "https://auth.example.com",
            "cloudcon.1.api_endpoint": "cc1:443",
            "site.url": "https://portal.example.com",
        },
        "portal_preferences",
        {"session.idle_timeout": "soon"},
        "setting session.idle_timeout",
    ),
]
IDS = [a[0] for a in APPS]


def _ini(tmp_path, app: str, settings: dict[str, str]) -> str:
    path = tmp_path / f"{app}.ini"
    lines = ["[app:main]", f"use = call:{app}:main", *(f"{k} = {v}" for k, v in settings.items())]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("prog", "main", "app", "key", "good", "table", "bad", "words"), APPS, ids=IDS
)
def test_creates_once_leaves_alone_upgrades_when_asked(
    tmp_path, capsys, prog, main, app, key, good, table, bad, words
):
    url = f"sqlite:///{tmp_path}/{app}.sqlite"
    ini = _ini(tmp_path, app, {**good, key: url})
    assert main([ini]) == 0
    assert f"{app} schema at " in capsys.readouterr().out
    assert table in _tables(url)

    # A second run at the newest revision changes nothing and is not an error.
    assert main([ini]) == 0
    assert "already initialised and up to date" in capsys.readouterr().out

    # An older schema is left alone without --upgrade: one line naming it.
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        head = conn.exec_driver_sql(f"SELECT version_num FROM alembic_version_{app}").scalar()
        conn.exec_driver_sql(f"UPDATE alembic_version_{app} SET version_num = 'older'")
    engine.dispose()
    assert main([ini]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{prog}: the database is already initialised (at revision older)")
    assert "--upgrade" in err and err.count("\n") == 1
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE alembic_version_{app} SET version_num = '{head}'")
    engine.dispose()

    assert main([ini, "--upgrade"]) == 0
    out = capsys.readouterr().out
    # Already at the newest revision: the upgrade names it as both the old and the new one.
    revision = out.split(" schema at ")[1].split(" ")[0]
    assert out.strip().endswith(f"(was {revision})")


@pytest.mark.parametrize(
    ("prog", "main", "app", "key", "good", "table", "bad", "words"), APPS, ids=IDS
)
def test_a_database_with_foreign_tables_is_left_alone(
    tmp_path, capsys, prog, main, app, key, good, table, bad, words
):
    url = f"sqlite:///{tmp_path}/other.sqlite"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)")
    engine.dispose()
    assert main([_ini(tmp_path, app, {**good, key: url})]) == 1
    assert "it holds 1 tables" in capsys.readouterr().err
    assert _tables(url) == {"someone_elses"}


@pytest.mark.parametrize(
    ("prog", "main", "app", "key", "good", "table", "bad", "words"), APPS, ids=IDS
)
def test_a_refused_setting_or_unusable_url_is_one_line(
    tmp_path, capsys, prog, main, app, key, good, table, bad, words
):
    url = f"sqlite:///{tmp_path}/{app}.sqlite"
    for settings, expected in [
        ({**good, key: url, **bad}, words),
        ({**good, key: "no-such-driver://x/y"}, "the database URL cannot be used"),
        ({**good, key: "not a url"}, "the database URL cannot be used"),
    ]:
        status = main([_ini(tmp_path, app, settings)])
        captured = capsys.readouterr()
        assert status == 2
        assert "Traceback" not in captured.err + captured.out
        assert len(captured.err.strip().splitlines()) == 1, captured.err
        assert captured.err.startswith(f"{prog}: ") and expected in captured.err, captured.err
    assert not (tmp_path / f"{app}.sqlite").exists()
