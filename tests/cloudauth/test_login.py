from __future__ import annotations

import re

from sqlalchemy import select

from cloudauth.audit.models import AuditEvent
from cloudauth.tokenstore.models import Token
from tests.cloudauth.conftest import login


def test_admin_logs_in_with_default_password_and_is_told_to_change_it(testapp):
    body = testapp.post("/auth/login", {"username": "admin", "password": "Penguin"}).json
    assert body["success"] is True
    assert re.fullmatch(r"[A-Za-z0-9]{32}", body["authentication_token"])
    assert body["data"]["default_password"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", body["expires_at_utc"])


def test_token_is_stored_only_as_a_hash(testapp, db):
    token = testapp.post("/auth/login", {"username": "admin", "password": "Penguin"}).json[
        "authentication_token"
    ]
    stored = db.scalars(select(Token.token_hash)).all()
    assert token not in stored
    assert len(stored) == 1 and len(stored[0]) == 64


def test_login_by_email_is_case_insensitive(testapp, users):
    users.make(email="Mixed.Case@Example.com")
    assert login(testapp, "mixed.case@EXAMPLE.com")["X-Auth-Token"]


def test_wrong_password_is_401_and_audited(testapp, users, db):
    user = users.make()
    response = testapp.post("/auth/login", {"username": user.email, "password": "nope"}, status=401)
    assert response.json["success"] is False
    assert response.json["message"] == "wrong login name or password"
    events = db.scalars(select(AuditEvent.event)).all()
    assert "login.failed" in events


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(testapp):
    response = testapp.post(
        "/auth/login", {"username": "ghost@example.com", "password": "x"}, status=401
    )
    assert response.json["message"] == "wrong login name or password"


def test_login_only_from_login_allowed_hosts(testapp):
    response = testapp.post(
        "/auth/login",
        {"username": "admin", "password": "Penguin"},
        extra_environ={"REMOTE_ADDR": "10.1.2.3"},
        status=403,
    )
    assert "login_allowed.hosts" in response.json["message"]


def test_forwarded_for_is_ignored_from_an_untrusted_peer(testapp):
    testapp.post(
        "/auth/login",
        {"username": "admin", "password": "Penguin"},
        headers={"X-Forwarded-For": "127.0.0.1"},
        extra_environ={"REMOTE_ADDR": "10.1.2.3"},
        status=403,
    )


def test_forwarded_for_is_believed_from_a_trusted_proxy(testapp):
    # 127.0.0.5 is the trusted proxy; the client behind it is an allowed host.
    testapp.post(
        "/auth/login",
        {"username": "admin", "password": "Penguin"},
        headers={"X-Forwarded-For": "10.7.7.7, 127.0.0.1"},
        extra_environ={"REMOTE_ADDR": "127.0.0.5"},
        status=200,
    )
    testapp.post(
        "/auth/login",
        {"username": "admin", "password": "Penguin"},
        headers={"X-Forwarded-For": "127.0.0.1, 10.7.7.7"},
        extra_environ={"REMOTE_ADDR": "127.0.0.5"},
        status=403,
    )


def test_authenticate_only_from_authenticate_allowed_hosts(testapp, users):
    user = users.make()
    testapp.post(
        "/auth/authenticate", {"username": user.email, "password": "correct horse"}, status=403
    )
    body = testapp.post(
        "/auth/authenticate",
        {"username": user.email, "password": "correct horse"},
        extra_environ={"REMOTE_ADDR": "10.9.1.1"},
    ).json
    assert body["data"]["userid"] == user.id


def test_deactivated_user_cannot_log_in(testapp, users):
    user = users.make(active=0)
    response = testapp.post(
        "/auth/login", {"username": user.email, "password": "correct horse"}, status=403
    )
    assert "deactivated" in response.json["message"]


def test_login_needs_username_and_password(testapp):
    assert "username" in testapp.post("/auth/login", {"password": "x"}, status=400).json["message"]
    assert (
        "password" in testapp.post("/auth/login", {"username": "admin"}, status=400).json["message"]
    )


def test_login_is_post_only(testapp):
    assert testapp.get("/auth/login", status=405).json["success"] is False


def test_sso_login_is_off_by_default(testapp):
    response = testapp.post("/auth/sso_login", {"sso_identity": "x", "email": "a@b.c"}, status=403)
    assert "auth_sso" in response.json["message"]


def test_sso_login_creates_the_account_once(make_auth_app, db):
    import webtest

    app = webtest.TestApp(
        make_auth_app(auth_sso="true"), extra_environ={"REMOTE_ADDR": "127.0.0.1"}
    )
    first = app.post(
        "/auth/sso_login", {"sso_identity": "idp!alice", "email": "alice@example.com"}
    ).json
    second = app.post(
        "/auth/sso_login", {"sso_identity": "idp!alice", "email": "alice@example.com"}
    ).json
    assert first["data"]["userid"] == second["data"]["userid"]
    app.post(
        "/auth/sso_login",
        {"sso_identity": "idp!alice", "email": "alice@example.com"},
        extra_environ={"REMOTE_ADDR": "10.0.0.1"},
        status=403,
    )
