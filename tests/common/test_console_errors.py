"""A bad .ini stops a service or a console script with one line naming the problem and a non-zero
status, never a traceback (issue 16, item 6): every console script on an undefined ``%(var)s``,
every console script and ``pserve`` on a setting the app refuses (``ConfigError``)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from cloudaccountant.scripts import (
    import_pbs,
    import_sge,
    import_slurm,
    import_uge,
    import_usage,
)
from cloudaccountant.scripts import initialize_db as initialize_accountant_db
from cloudauth.scripts import initialize_db as initialize_cloudauth_db
from cloudauth.scripts import purge_tokens, service_account, set_password
from cloudcontroller.scripts import initialize_db as initialize_cloudcontroller_db
from cloudcontroller.scripts import record_user_storage, worker
from cloudportal.scripts import initialize_db as initialize_cloudportal_db
from tests.live import DEMO_KEY

RANGE = ["2026-03-01", "2026-03-02"]
# (console script, its main, the arguments after the .ini, the app its .ini is for)
SCRIPTS = [
    ("initialize_cloudauth_db", initialize_cloudauth_db.main, [], "cloudauth"),
    ("cloudauth-purge-tokens", purge_tokens.main, [], "cloudauth"),
    (
        "cloudauth-set-password",
        lambda argv: set_password.main(argv, io.StringIO("A-new-passw0rd\n")),
        ["admin"],
        "cloudauth",
    ),
    (
        "cloudauth-service-account",
        service_account.main,
        ["--email", "cc@example.com", "--role", "cloudcontroller_admin"],
        "cloudauth",
    ),
    ("initialize_cloudcontroller_db", initialize_cloudcontroller_db.main, [], "cloudcontroller"),
    ("cloudcontroller-worker", worker.main, [], "cloudcontroller"),
    ("record_user_storage", record_user_storage.main, ["/nonexistent-pool"], "cloudcontroller"),
    ("initialize_accountant_db", initialize_accountant_db.main, [], "cloudaccountant"),
    ("import_usage", import_usage.main, RANGE, "cloudaccountant"),
    ("import_slurm", import_slurm.main, RANGE, "cloudaccountant"),
    ("import_pbs", import_pbs.main, RANGE, "cloudaccountant"),
    ("import_sge", import_sge.main, RANGE, "cloudaccountant"),
    ("import_uge", import_uge.main, RANGE, "cloudaccountant"),
    ("initialize_cloudportal_db", initialize_cloudportal_db.main, [], "cloudportal"),
]
NO_APP_SETTINGS: set[str] = set()  # every script reads its app's settings as the app would
GOOD = {
    "cloudauth": {"apikey.encryption_keys": DEMO_KEY},
    "cloudcontroller": {
        "cloudauth.url": "http://127.0.0.1:9",
        "openstack.auth_url": "http://127.0.0.1:9/identity/v3",
        "openstack.username": "admin",
        "openstack.password": "secret",
        "openstack.project_name": "scm",
    },
    "cloudaccountant": {
        "cloudauth.url": "http://127.0.0.1:9",
        "sqlalchemy.cloud.1.instances.url": "sqlite://",
        "sqlalchemy.cloud.1.slurm.server": "local",
        "sqlalchemy.cloud.1.pbs.path": "/nonexistent",
        "sqlalchemy.cloud.1.sge.path": "/nonexistent",
        "sqlalchemy.cloud.1.uge.path": "/nonexistent",
    },
    "cloudportal": {"cloudauth.url": "http://127.0.0.1:9", "cloudcon.1.api_endpoint": "cc1:443"},
}
DB_KEY = {
    "cloudauth": "sqlalchemy.url",
    "cloudcontroller": "sqlalchemy.url",
    "cloudaccountant": "sqlalchemy.accountant.url",
    "cloudportal": "sqlalchemy.url",
}
# A setting each app refuses at start-up, and the words of its one line.
REFUSED = {
    "cloudauth": ({"apikey.encryption_keys": "short"}, "setting apikey.encryption_keys"),
    "cloudcontroller": ({"cloud_controller_id": "zero"}, "setting cloud_controller_id"),
    "cloudaccountant": ({"accounting.timezone": "Mars/Base"}, "setting accounting.timezone"),
    "cloudportal": ({"session.idle_timeout": "soon"}, "setting session.idle_timeout"),
}


def write_ini(path: Path, app: str, settings: dict[str, str]) -> str:
    lines = ["[app:main]", f"use = call:{app}:main"]
    lines += [f"{k} = {v}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def run(main, argv) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse, or a script that exits
        return exc.code if isinstance(exc.code, int) else 1


def assert_one_line(capsys, status: int, prog: str, *words: str) -> str:
    captured = capsys.readouterr()
    assert status not in (0, None)
    err = captured.err.strip()
    assert "Traceback" not in captured.err + captured.out
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"{prog}: "), err
    for word in words:
        assert word in err, err
    return err


@pytest.mark.parametrize(("prog", "main", "args", "app"), SCRIPTS, ids=[s[0] for s in SCRIPTS])
def test_an_undefined_interpolation_is_one_line(tmp_path, capsys, prog, main, args, app):
    settings = dict(GOOD[app], **{DB_KEY[app]: "sqlite:///%(var)s/x.sqlite"})
    ini = write_ini(tmp_path / "bad.ini", app, settings)
    status = run(main, [ini, *args])
    assert_one_line(capsys, status, prog, DB_KEY[app], "%(var)s", "not defined")


# The schema scripts of Cloud Auth and the controller read only the database URL.
READ_SETTINGS = [s for s in SCRIPTS if s[0] not in NO_APP_SETTINGS]


@pytest.mark.parametrize(
    ("prog", "main", "args", "app"), READ_SETTINGS, ids=[s[0] for s in READ_SETTINGS]
)
def test_a_refused_setting_is_one_line(tmp_path, capsys, prog, main, args, app):
    bad, words = REFUSED[app]
    db = f"sqlite:///{tmp_path}/x.sqlite"
    ini = write_ini(tmp_path / "bad.ini", app, dict(GOOD[app], **{DB_KEY[app]: db}, **bad))
    status = run(main, [ini, *args])
    assert_one_line(capsys, status, prog, words)


@pytest.mark.parametrize(("prog", "main", "args", "app"), SCRIPTS, ids=[s[0] for s in SCRIPTS])
def test_a_missing_ini_is_one_line(tmp_path, capsys, prog, main, args, app):
    status = run(main, [str(tmp_path / "nowhere.ini"), *args])
    assert_one_line(capsys, status, prog, "nowhere.ini")


@pytest.mark.parametrize("app", sorted(REFUSED))
def test_pserve_stops_with_one_line_naming_the_setting(tmp_path, app):
    bad, words = REFUSED[app]
    settings = dict(GOOD[app], **{DB_KEY[app]: f"sqlite:///{tmp_path}/x.sqlite"}, **bad)
    ini = write_ini(tmp_path / f"{app}.ini", app, settings)
    with open(ini, "a") as out:
        out.write("\n[server:main]\nuse = egg:waitress#main\nlisten = 127.0.0.1:9\n")
    pserve = Path(sys.executable).with_name("pserve")
    done = subprocess.run(
        [str(pserve), ini], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    last = done.stderr.strip().splitlines()
    assert last and last[-1].startswith(f"{app}: {words}"), done.stderr
