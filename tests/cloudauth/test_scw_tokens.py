"""One-time Scyld Cloud Workstation sign-in tokens (seed 1.8.9, docs/scw.md): a user asks with
their own token; the workstation checks it once with the SCW admin account's token; a second
check, a check by anyone else, a late check, and any use as a bearer token are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cloudauth.audit.models import AuditEvent
from cloudauth.scw.models import ScwToken
from cloudauth.settings import AuthSettings
from common.security import token_hash
from common.settings import ConfigError
from tests.cloudauth.conftest import DEMO_KEY, login

WORKSTATION = "https://203.0.113.7/"


@pytest.fixture
def user(users):
    return users.make()


@pytest.fixture
def node(users):
    """The SCW admin account's token, as a workstation holds it."""
    return users.token(users.make(roles=["scw_admin"]))


def issue(testapp, headers, service_url=WORKSTATION, status=200, **extra):
    form = {"service_url": service_url, **extra}
    return testapp.post("/auth/scw_token", form, headers=headers, status=status).json


def check(testapp, token, node_headers, status, **selector):
    params = {"auth_token": token, **selector}
    return testapp.get("/auth/verify_token", params, headers=node_headers, status=status).json


def test_the_workstation_checks_a_token_once_and_learns_who_and_where(testapp, user, node):
    mine = login(testapp, user.email)
    data = issue(testapp, mine, cloud_controller_id="2", server_instance_id="ab12-cd")["data"]
    assert data["userid"] == user.id and len(data["auth_token"]) == 32
    assert data["auth_token"] != mine["X-Auth-Token"]
    assert data["expires_at_utc"] == "2026-03-01T12:00:30"  # the 30 s default

    answer = check(testapp, data["auth_token"], node, 200, email=user.email)["data"]
    assert answer["user"]["id"] == user.id and answer["user"]["email"] == user.email
    assert answer["scw"] == {
        "service_url": WORKSTATION,
        "cloud_controller_id": 2,
        "server_instance_id": "ab12-cd",
        "single_use": True,
    }
    replay = check(testapp, data["auth_token"], node, 401, email=user.email)
    assert replay["success"] is False
    assert replay["error"] == "the SCW token is invalid, expired or already used"


def test_an_scw_token_is_no_bearer_token(testapp, user):
    token = issue(testapp, login(testapp, user.email))["data"]["auth_token"]
    as_bearer = {"X-Auth-Token": token, "X-Auth-Cloudauth-Id": user.id}
    testapp.get(f"/user/view/{user.id}", headers=as_bearer, status=401)
    issue(testapp, as_bearer, status=401)  # nor does it buy another SCW token


def test_only_the_scw_admin_account_may_check_and_a_refusal_does_not_use_it_up(
    testapp, users, user, node
):
    token = issue(testapp, login(testapp, user.email))["data"]["auth_token"]
    anonymous = check(testapp, token, {}, 401, userid=user.id)
    assert "SCW admin account" in anonymous["error"]
    stranger = users.token(users.make())
    refused = check(testapp, token, stranger, 403, userid=user.id)
    assert "verify_scw_token" in refused["error"]
    # The user's own ordinary token does not let them check it either.
    check(testapp, token, login(testapp, user.email), 403, userid=user.id)
    check(testapp, token, node, 200, userid=user.id)


def test_the_superuser_holds_the_permission_too(testapp, user, as_admin):
    token = issue(testapp, login(testapp, user.email))["data"]["auth_token"]
    check(testapp, token, as_admin, 200, userid=user.id)


def test_a_late_check_is_refused(testapp, user, node, clock):
    token = issue(testapp, login(testapp, user.email))["data"]["auth_token"]
    clock.advance(seconds=30)
    check(testapp, token, node, 401, email=user.email)


def test_the_lifetime_is_a_setting(make_auth_app, user, node, clock):
    import webtest

    app = webtest.TestApp(
        make_auth_app(**{"scw_token.lifetime": "2m"}), extra_environ={"REMOTE_ADDR": "127.0.0.1"}
    )
    token = issue(app, login(app, user.email))["data"]["auth_token"]
    clock.advance(seconds=119)
    check(app, token, node, 200, email=user.email)


def test_naming_the_wrong_user_uses_the_token_up(testapp, users, user, node):
    other = users.make()
    token = issue(testapp, login(testapp, user.email))["data"]["auth_token"]
    wrong = check(testapp, token, node, 401, email=other.email)
    assert wrong["error"] == "the token does not belong to that user"
    check(testapp, token, node, 401, email=user.email)


def test_a_user_deactivated_after_the_issue_is_refused(testapp, user, node, db):
    token = issue(testapp, login(testapp, user.email))["data"]["auth_token"]
    db.merge(user).active = 0
    db.commit()
    check(testapp, token, node, 401, userid=user.id)


def test_the_token_is_stored_hashed_and_every_step_is_audited(testapp, user, node, db):
    token = issue(testapp, login(testapp, user.email), server_instance_id="n1")["data"][
        "auth_token"
    ]
    row = db.scalar(select(ScwToken).where(ScwToken.user_id == user.id))
    assert row.token_hash == token_hash(token) and token not in (row.service_url or "")
    check(testapp, token, node, 200, userid=user.id)
    check(testapp, token, node, 401, userid=user.id)
    db.expire_all()
    events = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_userid == user.id, AuditEvent.event.like("scw_token.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.event for e in events] == ["scw_token.issued", "scw_token.used", "scw_token.refused"]
    assert events[0].actor_userid == user.id and "instance=n1" in events[0].detail
    node_id = node["X-Auth-Cloudauth-Id"]
    assert events[1].actor_userid == node_id and events[2].actor_userid == node_id
    assert all(token not in e.detail for e in events)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "service_url"),
        ({"service_url": "javascript:alert(1)"}, "service_url"),
        ({"service_url": "https://user:pw@host/"}, "service_url"),
        ({"service_url": "https://host/ x"}, "service_url"),
        ({"service_url": "/relative"}, "service_url"),
        ({"service_url": "https://" + "a" * 1100}, "service_url"),
        ({"service_url": WORKSTATION, "cloud_controller_id": "zero"}, "cloud_controller_id"),
        ({"service_url": WORKSTATION, "server_instance_id": "../x"}, "server_instance_id"),
    ],
)
def test_bad_input_is_a_clear_400_and_issues_nothing(testapp, user, db, form, message):
    body = testapp.post(
        "/auth/scw_token", form, headers=login(testapp, user.email), status=400
    ).json
    assert message in body["error"]
    assert db.scalar(select(ScwToken).where(ScwToken.user_id == user.id)) is None


def test_verify_token_with_a_bad_selector_is_400_before_anything_is_used(testapp, user, node):
    token = issue(testapp, login(testapp, user.email))["data"]["auth_token"]
    check(testapp, token, node, 400, system_username="u1", cloud_controller_id="x")
    check(testapp, token, node, 200, userid=user.id)


@pytest.mark.parametrize("bad", ["0", "11m", "-5", "soon"])
def test_a_bad_lifetime_is_a_config_error_naming_the_setting(bad):
    raw = {"sqlalchemy.url": "sqlite://", "apikey.encryption_keys": DEMO_KEY}
    with pytest.raises(ConfigError) as caught:
        AuthSettings.from_raw({**raw, "scw_token.lifetime": bad})
    assert "scw_token.lifetime" in str(caught.value)


def test_the_service_account_script_makes_the_scw_admin_account(
    auth_db_url, auth_engine, tmp_path, capsys
):
    """Seed 1.8.9's SCW admin account: role scw_admin, whose one permission is the check."""
    from sqlalchemy.orm import Session

    from cloudauth.scripts.service_account import main
    from cloudauth.users.models import User

    ini = tmp_path / "cloudauth.ini"
    ini.write_text(
        "[app:main]\nuse = egg:scm#cloudauth\n"
        f"sqlalchemy.url = {auth_db_url}\n"
        f"apikey.encryption_keys = {DEMO_KEY}\n"
    )
    try:
        assert main([str(ini), "--email", "scw@example.com", "--role", "scw_admin"]) == 0
        assert "api_secret" in capsys.readouterr().out
        with Session(auth_engine) as session:
            user = session.scalar(select(User).where(User.email_key == "scw@example.com"))
            assert user.role_names == ["scw_admin"]
            held = {p.name for role in user.roles for p in role.permissions}
            assert held == {"verify_scw_token"}
    finally:
        with Session(auth_engine) as session:
            user = session.scalar(select(User).where(User.email_key == "scw@example.com"))
            if user is not None:
                user.roles = []
                session.delete(user)
            session.commit()
