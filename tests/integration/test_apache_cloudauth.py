"""Cloud Auth served by real Apache + mod_wsgi, in daemon mode and in embedded mode (both in
deploy/apache/cloudauth.conf): OAuth's Authorization header survives the trip
(WSGIPassAuthorization), logins and token checks work across worker processes, and a revocation
is seen by every process, each of which keeps local copies of token checks."""

from __future__ import annotations

import os
import tempfile
import uuid

import oauth2
import pytest
import redis
import requests

from common.cache import RedisCache
from common.db import make_engine
from common.errors import Unavailable
from common.migrations import upgrade
from tests.cloudauth.conftest import DEMO_KEY
from tests.conftest import skip_or_fail
from tests.integration.apache import apache_missing, start_cloudauth_under_apache


def redis_url_of_this_module() -> str:
    return os.environ.get("SCM_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="module", params=["daemon", "embedded"])
def apache_cloudauth(request):
    reason = apache_missing()
    if reason:
        skip_or_fail(reason)
    # Several Apache processes share nonces and token checks only through Redis.
    redis_url = redis_url_of_this_module()
    try:
        RedisCache(redis_url).get("ping")
    except Unavailable:
        skip_or_fail(f"no Redis at {redis_url}")
    data = tempfile.mkdtemp(prefix="scm-apache-db-")
    os.chmod(data, 0o777)
    url = f"sqlite:///{data}/cloudauth.sqlite"
    engine = make_engine({"sqlalchemy.url": url})
    upgrade("cloudauth", engine)
    engine.dispose()
    for name in os.listdir(data):  # the workers run as www-data
        os.chmod(os.path.join(data, name), 0o666)
    app = start_cloudauth_under_apache(
        {
            "sqlalchemy.url": url,
            "apikey.encryption_keys": DEMO_KEY,
            "login_allowed.hosts": "127.0.0.1",
            "cache.url": redis_url,
            "cache.prefix": f"scmtest:{uuid.uuid4().hex}:",
        },
        processes=2,
        threads=4,
        embedded=request.param == "embedded",
    )
    yield app.url
    app.stop()


def test_python_oauth2_through_apache(apache_cloudauth):
    url = apache_cloudauth
    login = requests.post(
        f"{url}/auth/login", data={"username": "admin", "password": "Penguin"}, timeout=10
    ).json()
    headers = {
        "X-Auth-Token": login["authentication_token"],
        "X-Auth-Cloudauth-Id": login["data"]["userid"],
    }
    keys = requests.post(
        f"{url}/api_key/create/{login['data']['userid']}", headers=headers, timeout=10
    ).json()["data"]
    consumer = oauth2.Consumer(keys["api_key"], keys["api_secret"])
    signed = oauth2.Request.from_consumer_and_token(
        consumer, http_method="GET", http_url=f"{url}/auth/request_token"
    )
    signed.sign_request(oauth2.SignatureMethod_HMAC_SHA1(), consumer, None)
    body = requests.get(f"{url}/auth/request_token", headers=signed.to_header(), timeout=10).json()
    assert body["success"] is True and len(body["authentication_token"]) == 32
    # Another request, possibly another worker process: the token holds there too.
    check = requests.get(
        f"{url}/auth/verify_token",
        params={"auth_token": body["authentication_token"], "userid": login["data"]["userid"]},
        timeout=10,
    )
    assert check.status_code == 200
    replay = requests.get(f"{url}/auth/request_token", headers=signed.to_header(), timeout=10)
    assert replay.status_code == 401


def test_wrong_method_and_bad_input_through_apache(apache_cloudauth):
    response = requests.get(f"{apache_cloudauth}/auth/login", timeout=10)
    assert response.status_code == 405 and response.json()["success"] is False


def test_a_revocation_is_seen_by_every_apache_process_at_once(apache_cloudauth):
    url = apache_cloudauth
    login = requests.post(
        f"{url}/auth/login", data={"username": "admin", "password": "Penguin"}, timeout=10
    ).json()
    token, userid = login["authentication_token"], login["data"]["userid"]
    check = {"auth_token": token, "userid": userid}
    for _ in range(30):  # a new connection each time: both processes copy the check
        response = requests.get(f"{url}/auth/verify_token", params=check, timeout=10)
        assert response.status_code == 200
    listeners = {
        client["name"].rsplit(":", 1)[1]
        for client in redis.Redis.from_url(redis_url_of_this_module()).client_list("pubsub")
        if client["name"].startswith("scm-cache-copies:")
    }
    assert len(listeners - {str(os.getpid())}) >= 2, "both Apache processes keep copies"
    revoke = requests.post(f"{url}/auth/revoke_token", data={"auth_token": token}, timeout=10)
    assert revoke.status_code == 200
    for _ in range(30):
        response = requests.get(f"{url}/auth/verify_token", params=check, timeout=10)
        assert response.status_code == 401
