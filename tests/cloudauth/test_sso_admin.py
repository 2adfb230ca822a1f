"""SSO logins that may act as the local superuser (auth_sso.admin_attributes, seed 1.8.4): Cloud
Auth checks the forwarded SAML values against its own rule, and only an admin-eligible SSO token
is exchanged for an admin token, with both identities in the audit log."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy import select

from cloudauth.audit.models import AuditEvent
from cloudauth.tokenstore.models import Token
from common.security import token_hash

RULE = "eduPersonEntitlement = urn:mace:example.edu:scm-admin\nisMemberOf = hpc-admins"


@pytest.fixture
def sso_app(make_auth_app):
    app = make_auth_app(auth_sso="true", **{"auth_sso.admin_attributes": RULE})
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


def sso_login(app, identity="idp!jane", email="jane@example.edu", status=200, **attrs):
    form = {"sso_identity": identity, "email": email, "name": "Jane Doe"}
    form.update({f"attr.{k}": v for k, v in attrs.items()})
    return app.post("/auth/sso_login", form, status=status).json


def test_a_matching_value_among_several_marks_the_sso_token(sso_app, db):
    body = sso_login(
        sso_app, eduPersonEntitlement="urn:mace:example.edu:staff;urn:mace:example.edu:scm-admin"
    )
    assert body["data"]["sso_admin"] is True
    row = db.scalar(
        select(Token).where(Token.token_hash == token_hash(body["authentication_token"]))
    )
    assert row.source == "sso-admin"


def test_no_matching_value_is_a_plain_sso_login(sso_app, db):
    body = sso_login(sso_app, eduPersonEntitlement="urn:mace:example.edu:scm-admin-not;other")
    assert body["data"]["sso_admin"] is False
    refused = sso_app.post(
        "/auth/sso_admin_login", {"auth_token": body["authentication_token"]}, status=403
    ).json
    assert "admin_attributes" in refused["message"]


def test_an_escaped_semicolon_is_part_of_one_value(sso_app):
    # mod_shib escapes a ';' inside a value as '\;': "hpc-admins\;x" is one value, not two.
    assert sso_login(sso_app, isMemberOf=r"hpc-admins\;x")["data"]["sso_admin"] is False
    assert sso_login(sso_app, isMemberOf=r"a\;b;hpc-admins")["data"]["sso_admin"] is True


def test_the_admin_token_is_the_superusers_and_both_identities_are_audited(sso_app, db, users):
    sso = sso_login(sso_app, isMemberOf="staff;hpc-admins")
    answer = sso_app.post(
        "/auth/sso_admin_login",
        {"auth_token": sso["authentication_token"], "client_address": "192.0.2.7"},
    ).json
    admin = users.admin()
    assert answer["data"]["userid"] == admin.id
    assert answer["data"]["sso_userid"] == sso["data"]["userid"]
    assert answer["expires_at_utc"] <= sso["expires_at_utc"]
    check = sso_app.get(
        "/auth/verify_token",
        {"auth_token": answer["authentication_token"], "userid": admin.id},
    ).json["data"]
    assert "superuser" in check["roles"]
    row = db.scalar(select(AuditEvent).where(AuditEvent.event == "login.sso_admin"))
    assert row.actor_userid == sso["data"]["userid"]
    assert row.subject_userid == admin.id
    assert row.client_addr == "192.0.2.7"
    assert "jane@example.edu" in row.detail and "idp!jane" in row.detail


def test_a_revoked_sso_token_cannot_become_admin(sso_app):
    sso = sso_login(sso_app, isMemberOf="hpc-admins")
    sso_app.post("/auth/revoke_token", {"auth_token": sso["authentication_token"]})
    sso_app.post("/auth/sso_admin_login", {"auth_token": sso["authentication_token"]}, status=401)


def test_a_password_login_token_cannot_become_admin(sso_app, users):
    users.make(email="local@example.com")
    body = sso_app.post(
        "/auth/login", {"username": "local@example.com", "password": "correct horse"}
    ).json
    sso_app.post("/auth/sso_admin_login", {"auth_token": body["authentication_token"]}, status=403)


def test_only_from_login_allowed_hosts(sso_app):
    sso = sso_login(sso_app, isMemberOf="hpc-admins")
    sso_app.post(
        "/auth/sso_admin_login",
        {"auth_token": sso["authentication_token"]},
        extra_environ={"REMOTE_ADDR": "10.0.0.1"},
        status=403,
    )


def test_refused_when_cloud_auth_holds_no_rule(make_auth_app):
    # The portal's word alone is not enough: without Cloud Auth's own rule nothing matches.
    app = webtest.TestApp(
        make_auth_app(auth_sso="true"), extra_environ={"REMOTE_ADDR": "127.0.0.1"}
    )
    sso = sso_login(app, isMemberOf="hpc-admins")
    assert sso["data"]["sso_admin"] is False
    refused = app.post(
        "/auth/sso_admin_login", {"auth_token": sso["authentication_token"]}, status=403
    ).json
    assert "auth_sso.admin_attributes is not set" in refused["message"]


def test_refused_when_sso_is_off(make_auth_app):
    app = webtest.TestApp(
        make_auth_app(**{"auth_sso.admin_attributes": RULE}),
        extra_environ={"REMOTE_ADDR": "127.0.0.1"},
    )
    app.post("/auth/sso_admin_login", {"auth_token": "x" * 32}, status=403)


def test_first_login_false_refuses_a_new_identity_and_creates_nothing(sso_app, db):
    from cloudauth.users.models import User

    body = sso_app.post(
        "/auth/sso_login",
        {"sso_identity": "idp!new", "email": "new@example.edu", "first_login": "false"},
        status=403,
    ).json
    assert "may not register" in body["message"]
    assert db.scalar(select(User).where(User.sso_identity == "idp!new")) is None
    sso_login(sso_app, identity="idp!new", email="new@example.edu")  # allowed: created
    again = sso_app.post(
        "/auth/sso_login",
        {"sso_identity": "idp!new", "email": "new@example.edu", "first_login": "false"},
    ).json
    assert again["success"] is True  # an existing account logs in whatever the rule


@pytest.mark.parametrize(
    "text",
    ["no equals sign", "= value", "key =", "bad key! = v", "a = b\nnot a rule"],
)
def test_a_bad_admin_attributes_line_stops_cloud_auth(make_auth_app, text):
    with pytest.raises(SystemExit, match=r"auth_sso\.admin_attributes"):
        make_auth_app(auth_sso="true", **{"auth_sso.admin_attributes": text})
