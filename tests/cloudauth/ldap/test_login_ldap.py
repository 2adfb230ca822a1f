"""``/auth/login`` with the LDAP backend on, against the real slapd of this tier."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy import select

from cloudauth.users.models import User


@pytest.fixture
def ldap_app(make_auth_app, slapd):
    app = make_auth_app(**slapd.raw_settings(require_group=slapd.group_dn))
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


def test_first_ldap_login_creates_the_account_with_the_default_role(ldap_app, db):
    body = ldap_app.post("/auth/login", {"username": "alice", "password": "alice-pw"}).json
    user = db.scalar(select(User).where(User.ldap_uid == "alice"))
    assert body["data"]["userid"] == user.id
    assert user.registration_source == "ldap"
    assert user.email == "Alice.Liddell@Example.TEST" and user.name == "Alice Liddell"
    assert user.role_names == ["account_owner"]
    assert user.password_hash is None  # the directory keeps the password
    again = ldap_app.post("/auth/login", {"username": "alice", "password": "alice-pw"}).json
    assert again["data"]["userid"] == user.id


def test_wrong_ldap_password_is_401(ldap_app):
    ldap_app.post("/auth/login", {"username": "alice", "password": "nope"}, status=401)


def test_user_outside_the_required_group_is_403(ldap_app, db):
    response = ldap_app.post("/auth/login", {"username": "bob", "password": "bob-pw"}, status=403)
    assert "not allowed" in response.json["message"]
    assert db.scalar(select(User).where(User.ldap_uid == "bob")) is None


def test_admin_is_local_even_with_ldap_on(ldap_app):
    body = ldap_app.post("/auth/login", {"username": "admin", "password": "Penguin"}).json
    assert body["success"] is True


def test_first_login_is_not_allowed_through_authenticate(make_auth_app, slapd):
    app = webtest.TestApp(
        make_auth_app(**slapd.raw_settings()), extra_environ={"REMOTE_ADDR": "10.9.0.1"}
    )
    response = app.post(
        "/auth/authenticate", {"username": "carol", "password": "carol-pw"}, status=403
    )
    assert "first login" in response.json["message"]


def test_directory_down_is_503(make_auth_app, slapd):
    app = webtest.TestApp(
        make_auth_app(**slapd.raw_settings(hosts="ldap://127.0.0.1:9", timeout="1")),
        extra_environ={"REMOTE_ADDR": "127.0.0.1"},
    )
    response = app.post("/auth/login", {"username": "alice", "password": "alice-pw"}, status=503)
    assert "LDAP" in response.json["message"]
