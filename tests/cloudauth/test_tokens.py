from __future__ import annotations

import time
import urllib.parse

import oauth2
import pytest
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_QUERY, Client
from sqlalchemy import select

from cloudauth.users.models import User
from tests.cloudauth.conftest import login

URL = "http://localhost/auth/request_token"


@pytest.fixture
def keyed_user(testapp, users):
    user = users.make()
    headers = login(testapp, user.email)
    body = testapp.post(f"/api_key/create/{user.id}", headers=headers, status=201).json["data"]
    return user, body["api_key"], body["api_secret"]


def python_oauth2_headers(key, secret, url=URL, timestamp=None, nonce=None):
    """Signed the way SCM clients in the field sign: the python-oauth2 library."""
    consumer = oauth2.Consumer(key, secret)
    params = {}
    if timestamp is not None:
        params["oauth_timestamp"] = str(timestamp)
    if nonce is not None:
        params["oauth_nonce"] = nonce
    req = oauth2.Request.from_consumer_and_token(
        consumer, http_method="GET", http_url=url, parameters=params
    )
    req.sign_request(oauth2.SignatureMethod_HMAC_SHA1(), consumer, None)
    return req.to_header()


def test_python_oauth2_client_gets_a_token(testapp, keyed_user):
    user, key, secret = keyed_user
    body = testapp.get("/auth/request_token", headers=python_oauth2_headers(key, secret)).json
    assert set(body) >= {"authentication_token", "expires_at_utc", "success"}
    assert body["success"] is True and len(body["authentication_token"]) == 32
    check = testapp.get(
        "/auth/verify_token", {"auth_token": body["authentication_token"], "userid": user.id}
    ).json
    assert check["data"]["user"]["id"] == user.id


def test_oauthlib_client_with_hmac_sha256_in_the_query_gets_a_token(testapp, keyed_user):
    _, key, secret = keyed_user
    client = Client(
        key,
        client_secret=secret,
        signature_method=SIGNATURE_HMAC_SHA256,
        signature_type=SIGNATURE_TYPE_QUERY,
    )
    uri, _, _ = client.sign(URL)
    path = urllib.parse.urlsplit(uri)
    body = testapp.get(f"{path.path}?{path.query}").json
    assert body["success"] is True


def test_requests_oauthlib_signature_through_the_version_prefix(testapp, keyed_user):
    import requests
    from requests_oauthlib import OAuth1

    _, key, secret = keyed_user
    prepared = requests.Request(
        "GET", "http://localhost/v1.0/auth/request_token", auth=OAuth1(key, secret)
    ).prepare()
    body = testapp.get(
        "/v1.0/auth/request_token", headers={"Authorization": prepared.headers["Authorization"]}
    ).json
    assert body["success"] is True


def test_wrong_secret_is_refused(testapp, keyed_user):
    _, key, _ = keyed_user
    response = testapp.get(
        "/auth/request_token", headers=python_oauth2_headers(key, "x" * 40), status=401
    )
    assert response.json["success"] is False


def test_unknown_key_is_refused(testapp):
    testapp.get(
        "/auth/request_token", headers=python_oauth2_headers("unknownkey123", "s" * 40), status=401
    )


def test_a_replayed_request_is_refused(testapp, keyed_user):
    _, key, secret = keyed_user
    headers = python_oauth2_headers(key, secret)
    testapp.get("/auth/request_token", headers=headers, status=200)
    testapp.get("/auth/request_token", headers=headers, status=401)


def test_a_stale_timestamp_is_refused(testapp, keyed_user):
    _, key, secret = keyed_user
    headers = python_oauth2_headers(key, secret, timestamp=int(time.time()) - 3600, nonce="n1")
    testapp.get("/auth/request_token", headers=headers, status=401)


def test_signature_covers_the_url(testapp, keyed_user):
    _, key, secret = keyed_user
    headers = python_oauth2_headers(
        key, secret, url="http://elsewhere.example.com/auth/request_token"
    )
    testapp.get("/auth/request_token", headers=headers, status=401)


def test_deactivated_user_cannot_request_tokens(testapp, keyed_user, db):
    user, key, secret = keyed_user
    db.get(User, user.id).active = 0
    db.commit()
    testapp.get("/auth/request_token", headers=python_oauth2_headers(key, secret), status=401)


def test_api_secret_is_encrypted_at_rest(testapp, keyed_user, db):
    user, key, secret = keyed_user
    stored = db.scalar(select(User.api_secret_encrypted).where(User.id == user.id))
    assert secret not in stored
    assert db.scalar(select(User.api_key).where(User.id == user.id)) == key


def test_the_secret_is_shown_once(testapp, keyed_user):
    user, _, secret = keyed_user
    headers = login(testapp, user.email)
    view = testapp.get(f"/api_key/view/{user.id}", headers=headers).json
    assert secret not in str(view)


def test_only_the_superuser_sets_explicit_keys(testapp, users, as_admin):
    user = users.make()
    own = login(testapp, user.email)
    form = {"api_key": "site-key-0001", "api_secret": "s" * 32}
    testapp.post(f"/api_key/set/{user.id}", form, headers=own, status=403)
    testapp.post(f"/api_key/set/{user.id}", form, headers=as_admin, status=200)
    body = testapp.get(
        "/auth/request_token", headers=python_oauth2_headers("site-key-0001", "s" * 32)
    ).json
    assert body["success"]


def test_verify_token_by_email_userid_and_system_account(testapp, users, db, as_admin):
    user = users.make(email="Carol@Example.com")
    headers = login(testapp, user.email)
    token = headers["X-Auth-Token"]
    testapp.post("/cloud_controller/create", {"name": "west"}, headers=as_admin, status=201)
    cc = testapp.get("/cloud_controller/list", headers=as_admin).json["data"]["cloud_controllers"][
        0
    ]
    testapp.post(
        "/system_account/create",
        {"user_id": user.id, "username": "carol", "uuid": "u-1", "cloud_controller_id": cc["id"]},
        headers=as_admin,
        status=201,
    )
    assert testapp.get(
        "/auth/verify_token", {"auth_token": token, "email": "carol@example.com"}
    ).json["success"]
    assert testapp.get("/auth/verify_token", {"auth_token": token, "userid": user.id}).json[
        "success"
    ]
    by_account = {"auth_token": token, "system_username": "carol", "cloud_controller_id": cc["id"]}
    assert testapp.get("/auth/verify_token", by_account).json["success"]
    testapp.get("/auth/verify_token", dict(by_account, system_username="dave"), status=401)
    testapp.get(
        "/auth/verify_token",
        {"auth_token": token, "userid": as_admin["X-Auth-Cloudauth-Id"]},
        status=401,
    )


@pytest.mark.parametrize(
    "params",
    [
        {"userid": "x"},
        {"auth_token": "a" * 32},
        {"auth_token": "a" * 32, "userid": "x", "email": "a@b.c"},
        {"auth_token": "a" * 32, "system_username": "bob"},
        {"auth_token": "a" * 32, "system_username": "bob", "cloud_controller_id": "one"},
    ],
)
def test_verify_token_rejects_malformed_selectors(testapp, params):
    response = testapp.get("/auth/verify_token", params, status=(400, 401))
    assert response.status_int == 400 or params.get("cloud_controller_id") == "one"
    assert response.json["success"] is False


def test_expired_token_fails_even_when_cached(testapp, users, clock):
    user = users.make()
    headers = login(testapp, user.email)
    params = {"auth_token": headers["X-Auth-Token"], "userid": user.id}
    testapp.get("/auth/verify_token", params, status=200)  # now cached
    clock.advance(hours=1, seconds=1)
    testapp.get("/auth/verify_token", params, status=401)
    testapp.get(f"/user/view/{user.id}", headers=headers, status=401)


def test_revoked_token_fails_at_once_cache_included(testapp, users):
    user = users.make()
    headers = login(testapp, user.email)
    params = {"auth_token": headers["X-Auth-Token"], "userid": user.id}
    testapp.get("/auth/verify_token", params, status=200)
    testapp.get(f"/user/view/{user.id}", headers=headers, status=200)
    testapp.post("/auth/revoke_token", {"auth_token": headers["X-Auth-Token"]}, status=200)
    testapp.get("/auth/verify_token", params, status=401)
    testapp.get(f"/user/view/{user.id}", headers=headers, status=401)
    testapp.post("/auth/revoke_token", {"auth_token": headers["X-Auth-Token"]}, status=401)


def test_a_revocation_in_one_process_is_seen_by_the_others_at_once(make_auth_app, users):
    """Two Cloud Auth processes on one Redis, each keeping local copies of token checks: a
    revocation through one fails the token in the other on the very next check."""
    import os
    import uuid

    import webtest

    from common.cache import PrefixedCache, RedisCache
    from common.errors import Unavailable
    from tests.conftest import skip_or_fail

    url = os.environ.get("SCM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    prefix = f"scmtest:{uuid.uuid4().hex}:"
    inners = [RedisCache(url, local_copies=100) for _ in range(2)]
    try:
        inners[0].get("ping")
    except Unavailable:
        skip_or_fail(f"no Redis at {url}")
    one, two = [], []
    for inner, out in zip(inners, (one, two), strict=True):
        app = make_auth_app()
        app.registry["scm.cache"] = PrefixedCache(inner, prefix)
        out.append(webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"}))
    one, two = one[0], two[0]
    try:
        user = users.make()
        for _ in range(3):  # a revocation after the checks are copied in both processes
            headers = login(one, user.email)
            params = {"auth_token": headers["X-Auth-Token"], "userid": user.id}
            deadline = time.monotonic() + 5
            while not all(inner.copies._sync() for inner in inners):
                assert time.monotonic() < deadline
                time.sleep(0.01)
            for app in (one, two, one, two):
                app.get("/auth/verify_token", params, status=200)
            assert all(len(inner.copies) == 1 for inner in inners)
            two.post("/auth/revoke_token", {"auth_token": headers["X-Auth-Token"]}, status=200)
            one.get("/auth/verify_token", params, status=401)
            two.get("/auth/verify_token", params, status=401)
    finally:
        for inner in inners:
            inner.close()


def test_superuser_revokes_all_of_a_users_tokens(testapp, users, as_admin):
    user = users.make()
    first, second = login(testapp, user.email), login(testapp, user.email)
    body = testapp.post("/auth/revoke_token", {"userid": user.id}, headers=as_admin).json
    assert body["data"]["revoked"] == 2
    for headers in (first, second):
        testapp.get(f"/user/view/{user.id}", headers=headers, status=401)


def test_a_user_cannot_revoke_a_strangers_tokens(testapp, users):
    alice, bob = users.make(), users.make()
    testapp.post(
        "/auth/revoke_token", {"userid": bob.id}, headers=login(testapp, alice.email), status=404
    )


def test_role_change_applies_at_once(testapp, users, as_admin):
    user = users.make()
    headers = login(testapp, user.email)
    testapp.get("/user/list", headers=headers, status=403)
    testapp.get(f"/user/view/{user.id}", headers=headers)  # caches the identity
    owner_role = next(
        r["id"]
        for r in testapp.get("/role/list", headers=as_admin).json["data"]["roles"]
        if r["name"] == "account_owner"
    )
    testapp.post(f"/role/add_user/{owner_role}", {"user_id": user.id}, headers=as_admin)
    testapp.get("/user/list", headers=headers, status=200)
