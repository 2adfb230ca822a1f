"""A downstream service (as the controller and accountant will be) authenticates through a real
Cloud Auth over HTTP, caching answers in the shared cache; revocation is seen at once."""

from __future__ import annotations

import uuid

import pytest
import webtest
from pyramid.config import Configurator

from common.cloudauth_client import CloudAuthClient, CloudAuthClientSettings
from common.envelope import ServiceEnvelope
from common.errors import Unavailable
from common.security import CachingVerifier, TokenSecurityPolicy, add_permissions
from tests import live


@pytest.fixture(scope="module")
def shared_cache():
    return live.shared_cache()


@pytest.fixture(scope="module")
def live_cloudauth(tmp_path_factory, shared_cache):
    peer = live.LiveCloudAuth(
        f"sqlite:///{tmp_path_factory.mktemp('live')}/cloudauth.sqlite", shared_cache
    )
    yield peer.url
    peer.close()


def _thing(request):
    return request.ok({"caller": request.identity.userid})


def downstream_app(cloudauth_url, cache, ttl=30, permissions=None, permission="view_user"):
    with Configurator(settings={}) as config:
        config.registry["scm.envelope"] = ServiceEnvelope()
        config.include("common.clock")
        config.include("common.envelope")
        config.include("common.errors")
        client = CloudAuthClient(CloudAuthClientSettings(url=cloudauth_url, timeout=2))
        verifier = CachingVerifier(client, cache, ttl)
        config.set_security_policy(TokenSecurityPolicy(verifier))
        for name, rule in (permissions or {}).items():
            add_permissions(config, name, rule=rule)
        config.add_route("thing", "/thing")
        config.add_view(_thing, route_name="thing", renderer="scm_json", permission=permission)
    return webtest.TestApp(config.make_wsgi_app())


def _login(url):
    import requests

    body = requests.post(
        f"{url}/auth/login", data={"username": "admin", "password": "Penguin"}, timeout=5
    ).json()
    return {
        "X-Auth-Token": body["authentication_token"],
        "X-Auth-Cloudauth-Id": body["data"]["userid"],
    }


def test_valid_token_passes_and_is_cached(live_cloudauth, shared_cache):
    app = downstream_app(live_cloudauth, shared_cache)
    headers = _login(live_cloudauth)
    assert app.get("/thing", headers=headers).json == {
        "data": {"caller": headers["X-Auth-Cloudauth-Id"]},
        "msg": "",
        "success": True,
    }
    from common.security import token_hash, verify_cache_key

    assert shared_cache.get(verify_cache_key(token_hash(headers["X-Auth-Token"]))) is not None


def test_revocation_is_seen_at_once_despite_the_cache(live_cloudauth, shared_cache):
    import requests

    app = downstream_app(live_cloudauth, shared_cache, ttl=3600)
    headers = _login(live_cloudauth)
    app.get("/thing", headers=headers, status=200)
    requests.post(
        f"{live_cloudauth}/auth/revoke_token",
        data={"auth_token": headers["X-Auth-Token"]},
        timeout=5,
    )
    body = app.get("/thing", headers=headers, status=401).json
    assert body == {"data": None, "msg": "missing, invalid or expired token", "success": False}


def test_forged_and_missing_tokens_are_401(live_cloudauth, shared_cache):
    app = downstream_app(live_cloudauth, shared_cache)
    headers = _login(live_cloudauth)
    app.get("/thing", status=401)
    app.get("/thing", headers=dict(headers, **{"X-Auth-Token": "B" * 32}), status=401)
    app.get(
        "/thing", headers=dict(headers, **{"X-Auth-Cloudauth-Id": uuid.uuid4().hex}), status=401
    )


def test_a_permission_the_user_lacks_is_403(live_cloudauth, shared_cache):
    import requests

    admin = _login(live_cloudauth)
    requests.post(
        f"{live_cloudauth}/user/create",
        data={"email": "plain@example.com", "password": "long enough"},
        headers=admin,
        timeout=5,
    )
    body = requests.post(
        f"{live_cloudauth}/auth/login",
        data={"username": "plain@example.com", "password": "long enough"},
        timeout=5,
    ).json()
    headers = {
        "X-Auth-Token": body["authentication_token"],
        "X-Auth-Cloudauth-Id": body["data"]["userid"],
    }
    response = downstream_app(live_cloudauth, shared_cache).get(
        "/thing", headers=headers, status=403
    )
    assert response.json["msg"] == "permission view_user is required"


def test_an_apps_named_permission_follows_its_rule_not_cloudauths_roles(
    live_cloudauth, shared_cache
):
    headers = _login(live_cloudauth)  # the superuser: every Cloud Auth permission
    rules = {"thing:view": lambda identity: True, "thing:hide": lambda identity: False}
    granted = downstream_app(
        live_cloudauth, shared_cache, permissions=rules, permission="thing:view"
    )
    assert granted.get("/thing", headers=headers, status=200).json["success"] is True
    granted.get("/thing", status=401)  # a named permission still needs a live token
    refused = downstream_app(
        live_cloudauth, shared_cache, permissions=rules, permission="thing:hide"
    )
    body = refused.get("/thing", headers=headers, status=403).json
    assert body["success"] is False and "thing:hide" in body["msg"]


def test_cloudauth_down_is_503_not_401(shared_cache):
    app = downstream_app(f"http://127.0.0.1:{live.free_port()}", shared_cache)
    response = app.get(
        "/thing", headers={"X-Auth-Token": "C" * 32, "X-Auth-Cloudauth-Id": "x"}, status=503
    )
    assert "Cloud Auth cannot be reached" in response.json["msg"]


def test_service_account_calls_cloudauth_with_an_oauth_token(live_cloudauth):
    import requests

    admin = _login(live_cloudauth)
    created = requests.post(
        f"{live_cloudauth}/user/create",
        data={"email": "controller@example.com", "password": "long enough"},
        headers=admin,
        timeout=5,
    ).json()["data"]
    roles = requests.get(f"{live_cloudauth}/role/list", headers=admin, timeout=5).json()["data"][
        "roles"
    ]
    cc_admin = next(r["id"] for r in roles if r["name"] == "cloudcontroller_admin")
    requests.post(
        f"{live_cloudauth}/role/add_user/{cc_admin}",
        data={"user_id": created["id"]},
        headers=admin,
        timeout=5,
    )
    keys = requests.post(
        f"{live_cloudauth}/api_key/create/{created['id']}", headers=admin, timeout=5
    ).json()["data"]
    client = CloudAuthClient(
        CloudAuthClientSettings(
            url=live_cloudauth, api_key=keys["api_key"], api_secret=keys["api_secret"]
        )
    )
    listed = client.service_call("GET", "/user/list")
    assert listed["data"]["total"] >= 2
    first_token = client._service[0]
    client.service_call("GET", "/user/list")
    assert client._service[0] == first_token  # reused until close to expiry
    wrong = CloudAuthClient(
        CloudAuthClientSettings(url=live_cloudauth, api_key=keys["api_key"], api_secret="x" * 40)
    )
    with pytest.raises(Unavailable, match="refused this service's API key"):
        wrong.service_call("GET", "/user/list")
