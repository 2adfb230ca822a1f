"""Two first SSO logins of one new user at once (two tabs), over real HTTP: both complete, one
account is made, nobody sees an error.

The race needs a database that lets two writers run side by side: Cloud Auth here runs on
MariaDB (SQLite serialises writers, so the race cannot happen there). To make the race certain
rather than likely, both requests are held after their "is there an account?" lookup until
both have looked (a barrier in Cloud Auth's lookup): both then insert, and one insert loses the
unique key. The portal is served by waitress; a small WSGI wrapper plays mod_shib's part (it
puts the SAML attributes in the request environment), as tests/sso does with the real one.

Without MariaDB on 127.0.0.1:3306 these tests skip; with SCM_REQUIRE_ALL_TIERS=1 they fail."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid

import pytest
import requests
import sqlalchemy as sa
from waitress.server import create_server

from cloudauth.users.services import UserService
from cloudportal import main as portal_main
from tests import live
from tests.cloudportal.conftest import portal_settings, start_controller
from tests.conftest import drop_database, skip_or_fail

MARIADB = os.environ.get("SCM_TEST_MYSQL_URL") or "mysql+pymysql://root@127.0.0.1:3306/"


def _mariadb_url(name: str) -> str:
    try:
        server = sa.create_engine(MARIADB)
        with server.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(
                f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            )
        server.dispose()
    except sa.exc.OperationalError as exc:
        skip_or_fail(f"MariaDB is not reachable at {MARIADB}: {exc.orig}")
    return (
        sa.engine.make_url(MARIADB)
        .set(database=name, query={"charset": "utf8mb4"})
        .render_as_string(hide_password=False)
    )


class ShibStandIn:
    """mod_shib's part: a request carrying ``X-Test-Shib-User: <username> <email>`` gets the
    attributes in its environment (the portal reads them there, never from headers)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        given = environ.pop("HTTP_X_TEST_SHIB_USER", "")
        if given:
            username, email = given.split()
            environ.update(
                {
                    "Shib-Session-ID": "_" + uuid.uuid4().hex,
                    "Shib-Identity-Provider": "https://idp.example.edu/idp",
                    "AUTH_TYPE": "shibboleth",
                    "username": username,
                    "email": email,
                    "fullName": "Rita Race",
                }
            )
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def race_stack(tmp_path_factory, simulator, peer_cache, portal_db_url):
    db_url = _mariadb_url(f"scm_test_ssorace_{os.getpid()}")
    cloudauth = live.LiveCloudAuth(db_url, peer_cache, auth_sso="true")
    cc, stop_cc = start_controller(tmp_path_factory, cloudauth, simulator, peer_cache)
    settings = portal_settings(portal_db_url, cloudauth, cc, 0, auth_sso="true")
    settings["scm.storage_mgmt"] = "false"
    for key in [k for k in settings if k.startswith("cloudcon.2.")]:
        del settings[key]
    portal = create_server(
        ShibStandIn(portal_main({}, **settings)),
        host="127.0.0.1",
        port=0,
        threads=4,
        asyncore_use_poll=True,
    )
    thread = threading.Thread(target=_quiet(portal.run), daemon=True)
    thread.start()
    yield cloudauth, cc, f"http://127.0.0.1:{portal.effective_port}"
    portal.close()
    stop_cc()
    cloudauth.close()
    drop_database(db_url)


def _quiet(run):
    def serve():
        with contextlib.suppress(OSError):
            run()

    return serve


@pytest.fixture
def both_look_first(monkeypatch):
    """Hold the first two SSO account lookups of ``identity`` until both have looked."""
    real = UserService.find_by_sso_identity
    state = {"identity": None, "calls": 0}
    barrier = threading.Barrier(2, timeout=10)
    lock = threading.Lock()

    def held(self, identity):
        found = real(self, identity)
        with lock:
            mine = identity == state["identity"] and state["calls"] < 2
            state["calls"] += mine
        if mine:
            barrier.wait()
        return found

    monkeypatch.setattr(UserService, "find_by_sso_identity", held)
    return state


def test_two_first_logins_at_once_make_one_account_and_both_land(race_stack, both_look_first):
    cloudauth, cc, portal_url = race_stack
    tag = uuid.uuid4().hex[:8]
    username, email = f"r{tag}", f"r{tag}@example.edu"
    both_look_first["identity"] = username
    answers: list = [None, None]

    def tab(i):
        with requests.Session() as browser:
            answers[i] = browser.get(
                portal_url + "/sso/login",
                headers={"X-Test-Shib-User": f"{username} {email}"},
                timeout=60,
            )

    tabs = [threading.Thread(target=tab, args=(i,)) for i in range(2)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join(60)
    assert both_look_first["calls"] >= 2  # both really looked before either made the account
    for answer in answers:
        assert answer is not None
        # Both tabs land on the portal's node list, signed in: no error, no refusal.
        assert answer.status_code == 200, answer.text[:500]
        assert answer.url.endswith("/nodes"), answer.url
        assert "Access refused" not in answer.text and "internal error" not in answer.text
        assert email in answer.text or "Rita Race" in answer.text

    users = cloudauth.get("/user/list", cloudauth.admin, show_inactive="true", limit="10000")
    mine = [u for u in users["users"] if u["email"] == email]
    assert len(mine) == 1
    accounts = requests.get(
        cc.url + "/v1/user",
        params={"cloudauth-id": mine[0]["id"]},
        headers=cloudauth.admin.headers,
        timeout=10,
    )
    assert [a["system-name"] for a in accounts.json()["data"]] == [username]
    # Two logins, both audited as successful; one of them created the account.
    audit = cloudauth.get(
        "/audit/list", cloudauth.admin, event="login.succeeded", userid=mine[0]["id"]
    )
    details = [e["detail"] for e in audit["events"]]
    assert len(details) == 2, details
    assert sum("account created" in d for d in details) == 1, details


@pytest.mark.mysql  # the controller on MariaDB (its database follows the tier; see the note)
def test_the_controller_makes_one_account_of_two_creates_at_once(race_stack, monkeypatch):
    """The same two tabs one step later: both ask the controller for the user's system account.
    (On SQLite, the embedded default, the two held transactions deadlock on the database lock
    instead, which is a different matter: this is the MariaDB tier's test.)
    Both pass its "no account yet" check before either inserts (a barrier holds them there);
    the loser's insert meets the unique key, runs again on a fresh transaction and is told the
    account exists (409, which the portal's first-login setup takes as done), never a 500."""
    from cloudcontroller.users import services

    cloudauth, cc, _ = race_stack
    who = cloudauth.user()
    name = f"r{uuid.uuid4().hex[:8]}"
    barrier = threading.Barrier(2, timeout=10)
    held: list = []
    real = services._unix_id

    def both_checked_first(*args, **kwargs):
        if len(held) < 2:
            held.append(1)
            barrier.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_unix_id", both_checked_first)
    answers: list = []

    def create():
        response = requests.post(
            cc.url + "/v1/user", json={"system-name": name}, headers=who.headers, timeout=30
        )
        answers.append((response.status_code, response.json()))

    tabs = [threading.Thread(target=create) for _ in range(2)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join(40)
    assert len(held) == 2  # both really passed the check before either inserted
    assert sorted(status for status, _ in answers) == [201, 409], answers
    refused = next(body for status, body in answers if status == 409)
    assert "already has a system account" in refused["msg"]
    mine = requests.get(cc.url + "/v1/user", headers=who.headers, timeout=10).json()["data"]
    assert [u["system-name"] for u in mine] == [name]
