"""``/auth/account_status``, ``/auth/register``, ``/auth/reset_password``: the portal's calls
for self-registration and forgotten passwords (cloudauth.registration)."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy import select

from cloudauth.audit.models import AuditEvent
from cloudauth.passwords import verify_password
from cloudauth.users.models import User
from tests.cloudauth.conftest import login

NEW_PASSWORD = "a brand new password"


def _register(testapp, status=201, **form):
    fields = {"email": "new.person@example.edu", "name": "New Person", "password": NEW_PASSWORD}
    fields.update(form)
    return testapp.post("/auth/register", fields, status=status)


def test_register_creates_a_portal_account_with_the_asked_role_and_audits_it(testapp, db):
    body = _register(testapp, default_role="account_owner", client_address="198.51.100.7").json
    assert body["success"] is True and body["data"]["email"] == "new.person@example.edu"
    user = db.scalar(select(User).where(User.email_key == "new.person@example.edu"))
    assert user.registration_source == "portal"
    assert user.role_names == ["account_owner"]
    assert user.name == "New Person"
    assert verify_password(user.password_hash, NEW_PASSWORD)
    event = db.scalar(select(AuditEvent).where(AuditEvent.event == "user.registered"))
    assert event.subject_userid == user.id and event.client_addr == "198.51.100.7"
    assert "via 127.0.0.1" in event.detail and NEW_PASSWORD not in event.detail
    # the new account logs in, and the login answer names where it came from
    answer = testapp.post(
        "/auth/login", {"username": "new.person@example.edu", "password": NEW_PASSWORD}
    ).json
    assert answer["data"]["registration_source"] == "portal"


def test_register_without_role_gives_no_role(testapp, db):
    _register(testapp)
    user = db.scalar(select(User).where(User.email_key == "new.person@example.edu"))
    assert user.role_names == []


@pytest.mark.parametrize("role", ["superuser", "cloudcontroller_admin", "owner"])
def test_register_refuses_any_role_but_account_owner(testapp, db, role):
    body = _register(testapp, status=400, default_role=role).json
    assert "default_role must be blank or account_owner" in body["message"]
    assert db.scalar(select(User).where(User.email_key == "new.person@example.edu")) is None


def test_register_of_a_taken_address_is_409_whatever_the_case(testapp, users, db):
    users.make(email="Taken@Example.edu")
    body = _register(testapp, status=409, email="taken@example.EDU").json
    assert "already exists" in body["message"]
    assert db.scalar(select(AuditEvent).where(AuditEvent.event == "user.registered")) is None


@pytest.mark.parametrize(
    "form, text",
    [
        ({"email": "not-an-address"}, "not a valid address"),
        ({"password": "short"}, "at least 8"),
        ({"password": ""}, "password is required"),
        ({"email": ""}, "email is required"),
        ({"client_address": "nowhere"}, "IPv4 or IPv6"),
    ],
)
def test_register_bad_input_is_400_and_creates_nothing(testapp, db, form, text):
    before = db.scalar(select(User.id).where(User.registration_source == "portal"))
    body = _register(testapp, status=400, **form).json
    assert text in body["message"] and body["success"] is False
    assert db.scalar(select(User.id).where(User.registration_source == "portal")) == before


def test_every_call_is_refused_from_a_host_outside_login_allowed_hosts(auth_app, db):
    elsewhere = webtest.TestApp(auth_app, extra_environ={"REMOTE_ADDR": "10.9.1.1"})
    assert "login_allowed.hosts" in _register(elsewhere, status=403).json["message"]
    elsewhere.get("/auth/account_status", {"email": "a@example.edu"}, status=403)
    elsewhere.post(
        "/auth/reset_password", {"email": "a@example.edu", "password": NEW_PASSWORD}, status=403
    )
    assert db.scalar(select(User).where(User.registration_source == "portal")) is None


def test_account_status_names_the_kind_of_account(testapp, users):
    users.make(email="local@example.edu")
    users.make(email="dir@example.edu", registration_source="ldap", ldap_uid="dir", password=None)
    users.make(email="gone@example.edu", active=0)

    def kind(email):
        return testapp.get("/auth/account_status", {"email": email}).json["data"]

    assert kind("LOCAL@example.edu") == {
        "email": "local@example.edu",
        "kind": "local",
        "active": True,
    }
    assert kind("dir@example.edu")["kind"] == "directory"
    assert kind("nobody@example.edu") == {
        "email": "nobody@example.edu",
        "kind": "none",
        "active": False,
    }
    assert kind("gone@example.edu")["active"] is False
    assert kind("admin@localhost")["kind"] == "superuser"
    assert testapp.get("/auth/account_status", {"email": "x"}, status=400).json["success"] is False


def test_reset_password_sets_it_and_revokes_every_token(testapp, users, db):
    user = users.make(email="forgot@example.edu")
    first = login(testapp, "forgot@example.edu")
    second = users.token(user)
    body = testapp.post(
        "/auth/reset_password",
        {"email": "Forgot@example.edu", "password": NEW_PASSWORD, "client_address": "::1"},
    ).json
    assert body["data"] == {"userid": user.id, "revoked_tokens": 2}
    for headers in (first, second):
        testapp.get(
            "/auth/verify_token",
            {"auth_token": headers["X-Auth-Token"], "userid": user.id},
            status=401,
        )
    testapp.post(
        "/auth/login", {"username": "forgot@example.edu", "password": "correct horse"}, status=401
    )
    assert login(testapp, "forgot@example.edu", NEW_PASSWORD)["X-Auth-Token"]
    event = db.scalar(select(AuditEvent).where(AuditEvent.event == "user.password_reset"))
    assert event.subject_userid == user.id and event.detail.startswith("2 tokens revoked")


def test_reset_password_refuses_directory_users_unknown_addresses_and_the_superuser(testapp, users):
    users.make(email="sso@example.edu", registration_source="sso", sso_identity="x", password=None)
    users.make(email="off@example.edu", active=0)
    cases = [
        ("sso@example.edu", 409, "site's password service"),
        ("nobody@example.edu", 404, "no account"),
        ("admin@localhost", 403, "cloudauth-set-password"),
        ("off@example.edu", 403, "deactivated"),
    ]
    for email, status, text in cases:
        body = testapp.post(
            "/auth/reset_password", {"email": email, "password": NEW_PASSWORD}, status=status
        ).json
        assert text in body["message"], email
    login(testapp, "admin", "Penguin")  # unchanged


def test_reset_password_checks_the_new_password(testapp, users):
    users.make(email="forgot@example.edu")
    body = testapp.post(
        "/auth/reset_password", {"email": "forgot@example.edu", "password": "short"}, status=400
    ).json
    assert "at least 8" in body["message"]
    assert login(testapp, "forgot@example.edu")["X-Auth-Token"]


def test_calls_are_limited_per_client_address(make_auth_app):
    app = webtest.TestApp(
        make_auth_app(**{"registration.max_requests_per_address": "3"}),
        extra_environ={"REMOTE_ADDR": "127.0.0.1"},
    )
    for _ in range(3):
        app.get("/auth/account_status", {"email": "a@example.edu", "client_address": "192.0.2.9"})
    refused = app.get(
        "/auth/account_status",
        {"email": "a@example.edu", "client_address": "192.0.2.9"},
        status=429,
    )
    assert int(refused.headers["Retry-After"]) > 0
    assert "too many" in refused.json["message"]
    _register(app, status=429, client_address="192.0.2.9")
    # another client of the same portal is not held back
    app.get("/auth/account_status", {"email": "a@example.edu", "client_address": "192.0.2.10"})


@pytest.mark.parametrize(
    "key, value", [("registration.window", "0"), ("registration.max_requests_per_address", "0")]
)
def test_bad_registration_settings_stop_the_service(key, value):
    from cloudauth.settings import AuthSettings
    from common.settings import ConfigError
    from tests.cloudauth.conftest import auth_settings

    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        AuthSettings.from_raw(auth_settings("sqlite://", **{key: value}))
