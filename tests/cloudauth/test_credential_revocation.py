"""Tokens do not outlive the credential they were obtained with (issue 16, item 3): a password
change or reset revokes the user's tokens (except the one making a self-service change), an API
key deleted, rotated or replaced takes its tokens with it, and the answers say how many."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from cloudauth.tokenstore.models import Token
from cloudauth.users.models import User
from tests.cloudauth.conftest import DEMO_KEY, login
from tests.cloudauth.test_tokens import python_oauth2_headers

NEW = "a brand new password"


def verified(app, headers) -> bool:
    """The token's check through /auth/verify_token (what the other services ask, and cache)."""
    params = {"auth_token": headers["X-Auth-Token"], "userid": headers["X-Auth-Cloudauth-Id"]}
    return app.get("/auth/verify_token", params, status=(200, 401)).status_int == 200


def oauth_token(app, user, key, secret) -> dict:
    body = app.get("/auth/request_token", headers=python_oauth2_headers(key, secret)).json
    return {"X-Auth-Token": body["authentication_token"], "X-Auth-Cloudauth-Id": user.id}


def test_a_self_service_password_change_revokes_every_other_token(testapp, users):
    user = users.make()
    current, other, another = (login(testapp, user.email) for _ in range(3))
    assert verified(testapp, other) and verified(testapp, another)  # cached now
    body = testapp.post(
        f"/user/set_password/{user.id}",
        {"password": NEW, "current_password": "correct horse"},
        headers=current,
    ).json
    assert body["data"]["revoked_tokens"] == 2
    assert not verified(testapp, other) and not verified(testapp, another)
    testapp.get(f"/user/view/{user.id}", headers=other, status=401)
    assert verified(testapp, current)
    testapp.get(f"/user/view/{user.id}", headers=current, status=200)


def test_a_password_reset_by_a_manager_revokes_every_token_of_the_user(testapp, users):
    owner = users.make(roles=["account_owner"])
    managed = users.make(owner=owner)
    tokens = [login(testapp, managed.email) for _ in range(2)]
    assert all(verified(testapp, t) for t in tokens)
    owner_headers = login(testapp, owner.email)
    body = testapp.post(
        f"/user/set_password/{managed.id}", {"password": NEW}, headers=owner_headers
    ).json
    assert body["data"]["revoked_tokens"] == 2
    assert not any(verified(testapp, t) for t in tokens)
    assert verified(testapp, owner_headers)  # the manager's own token is not the user's
    login(testapp, managed.email, NEW)


def test_a_superuser_changing_their_own_password_keeps_the_token_in_use(testapp, users):
    admin = users.admin()
    in_use, elsewhere = login(testapp, "admin", "Penguin"), login(testapp, "admin", "Penguin")
    body = testapp.post(
        f"/user/set_password/{admin.id}",
        {"password": NEW, "current_password": "Penguin"},
        headers=in_use,
    ).json
    assert body["data"]["revoked_tokens"] == 1
    assert verified(testapp, in_use) and not verified(testapp, elsewhere)


def test_the_set_password_script_revokes_every_token(auth_db_url, auth_engine, tmp_path):
    from sqlalchemy.orm import Session

    from cloudauth.passwords import hash_password
    from cloudauth.scripts.set_password import main

    ini = tmp_path / "cloudauth.ini"
    ini.write_text(
        "[app:main]\nuse = egg:scm#cloudauth\n"
        f"sqlalchemy.url = {auth_db_url}\napikey.encryption_keys = {DEMO_KEY}\n"
    )
    import datetime as dt

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with Session(auth_engine) as session:  # the script commits for real
        admin = session.scalar(select(User).where(User.username == "admin"))
        session.add(
            Token(
                token_hash="f" * 64,
                user_id=admin.id,
                source="login",
                created_at=now,
                expires_at=now + dt.timedelta(hours=1),
            )
        )
        session.commit()
    try:
        assert main([str(ini), "admin"], stdin=io.StringIO(f"{NEW}\n")) == 0
        with Session(auth_engine) as session:
            row = session.scalar(select(Token).where(Token.token_hash == "f" * 64))
            assert row.revoked_at is not None
    finally:
        with Session(auth_engine) as session:
            session.execute(Token.__table__.delete().where(Token.token_hash == "f" * 64))
            admin = session.scalar(select(User).where(User.username == "admin"))
            admin.password_hash, admin.default_password = hash_password("Penguin"), True
            session.commit()


@pytest.fixture
def keyed(testapp, users):
    user = users.make()
    headers = login(testapp, user.email)
    body = testapp.post(f"/api_key/create/{user.id}", headers=headers, status=201).json["data"]
    return user, headers, body["api_key"], body["api_secret"]


def test_deleting_an_api_key_revokes_the_tokens_obtained_with_it(testapp, keyed):
    user, headers, key, secret = keyed
    by_key = oauth_token(testapp, user, key, secret)
    assert verified(testapp, by_key)
    body = testapp.post(f"/api_key/delete/{user.id}", headers=headers).json
    assert body["data"]["revoked_tokens"] == 1
    assert not verified(testapp, by_key)
    assert verified(testapp, headers)  # a password login's token is not the key's


def test_rotating_an_api_key_revokes_the_old_keys_tokens(testapp, keyed):
    user, headers, key, secret = keyed
    old = [oauth_token(testapp, user, key, secret) for _ in range(2)]
    body = testapp.post(f"/api_key/create/{user.id}", headers=headers, status=201).json["data"]
    assert body["revoked_tokens"] == 2
    assert not any(verified(testapp, t) for t in old)
    new = oauth_token(testapp, user, body["api_key"], body["api_secret"])
    assert verified(testapp, new) and verified(testapp, headers)


def test_setting_a_key_explicitly_revokes_the_old_keys_tokens(testapp, keyed, as_admin):
    user, headers, key, secret = keyed
    old = oauth_token(testapp, user, key, secret)
    body = testapp.post(
        f"/api_key/set/{user.id}",
        {"api_key": "site-key-0002", "api_secret": "s" * 32},
        headers=as_admin,
    ).json
    assert body["data"]["revoked_tokens"] == 1
    assert not verified(testapp, old) and verified(testapp, headers)
