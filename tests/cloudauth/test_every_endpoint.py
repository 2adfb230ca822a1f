"""Every route rejects a missing, forged or expired token, the wrong method, and bad input."""

from __future__ import annotations

import pytest

from cloudauth.routes import includeme

PUBLIC = {
    "root",
    "auth.request_token",
    "auth.login",
    "auth.authenticate",
    "auth.sso_login",
    # the SSO token is a form field (as for revoke_token); tests/cloudauth/test_sso_admin.py
    "auth.sso_admin_login",
    "auth.verify_token",
    "auth.revoke_token",
    "auth.account_status",
    "auth.register",
    "auth.reset_password",
}
READS = {"root", "auth.request_token", "auth.verify_token", "auth.account_status"}


class _Collector:
    def __init__(self):
        self.routes = {}

    def add_route(self, name, pattern):
        self.routes[name] = pattern

    def include(self, name):
        """``common.openapi``: the public /openapi.json, tested in tests/common/test_openapi.py."""


def _routes():
    collector = _Collector()
    includeme(collector)
    return collector.routes


ROUTES = _routes()


def _method(name):
    return "GET" if name in READS or name.endswith((".list", ".view")) else "POST"


def _path(pattern):
    return (
        pattern.replace("{user_id}", "0" * 32)
        .replace("{role_id}", "1")
        .replace("{permission_id}", "1")
        .replace("{cc_id}", "1")
        .replace("{account_id}", "1")
    )


PROTECTED = sorted(n for n in ROUTES if n not in PUBLIC)


@pytest.mark.parametrize("name", PROTECTED)
def test_missing_token_is_401(testapp, name):
    call = testapp.get if _method(name) == "GET" else testapp.post
    response = call(_path(ROUTES[name]), status=401)
    assert response.json == {
        "success": False,
        "message": "missing, invalid or expired token",
        "error": "missing, invalid or expired token",
        "version": "3.1.0",
    }


@pytest.mark.parametrize("name", PROTECTED)
def test_forged_token_is_401(testapp, users, name):
    admin = users.admin()
    headers = {"X-Auth-Token": "A" * 32, "X-Auth-Cloudauth-Id": admin.id}
    call = testapp.get if _method(name) == "GET" else testapp.post
    call(_path(ROUTES[name]), headers=headers, status=401)


@pytest.mark.parametrize("name", PROTECTED)
def test_expired_token_is_401(testapp, users, clock, name):
    headers = users.token(users.admin(), lifetime_hours=1)
    clock.advance(hours=2)
    call = testapp.get if _method(name) == "GET" else testapp.post
    call(_path(ROUTES[name]), headers=headers, status=401)


def test_someone_elses_token_is_401(testapp, users):
    alice, bob = users.make(), users.make()
    headers = users.token(alice)
    headers["X-Auth-Cloudauth-Id"] = bob.id
    testapp.get(f"/user/view/{bob.id}", headers=headers, status=401)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_wrong_method_is_405(testapp, users, name):
    headers = users.token(users.admin())
    wrong = testapp.post if _method(name) == "GET" else testapp.get
    response = wrong(_path(ROUTES[name]), headers=headers, status=405)
    assert response.json["success"] is False
    testapp.put(_path(ROUTES[name]), headers=headers, status=405)


def test_unknown_path_is_404_in_the_envelope(testapp):
    body = testapp.get("/no/such/thing", status=404).json
    assert body["success"] is False and "no resource" in body["message"]


def test_version_prefixes_reach_the_api(testapp):
    for prefix in ("", "/v1", "/v1.0", "/v1.1"):
        assert testapp.get(f"{prefix}/").json["data"]["service"] == "Scyld Cloud Auth"
    testapp.get("/v2/", status=404)


def test_non_utf8_parameters_are_400(testapp):
    response = testapp.post(
        "/auth/login",
        b"username=%FF%FE&password=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        status=400,
    )
    assert "UTF-8" in response.json["message"]


def test_repeated_single_parameter_is_400(testapp):
    response = testapp.post(
        "/auth/login", [("username", "a"), ("username", "b"), ("password", "x")], status=400
    )
    assert "more than once" in response.json["message"]


def test_overlong_parameter_is_400(testapp, users):
    headers = users.token(users.admin())
    response = testapp.post(
        "/user/create",
        {"email": "a" * 300 + "@x.org", "password": "p" * 10},
        headers=headers,
        status=400,
    )
    assert "longer than" in response.json["message"]


@pytest.mark.parametrize(
    ("path", "params", "fragment"),
    [
        ("/user/list", {"limit": "many"}, "whole number"),
        ("/user/list", {"limit": "0"}, "between"),
        ("/user/list", {"show_inactive": "perhaps"}, "true or false"),
        ("/role/view/abc", {}, "no role"),
        ("/cloud_controller/view/x", {}, "no cloud controller"),
        ("/user/view/" + "z" * 40, {}, "no user"),
    ],
)
def test_malformed_reads_get_clear_messages(testapp, users, path, params, fragment):
    headers = users.token(users.admin())
    response = testapp.get(path, params, headers=headers, expect_errors=True)
    assert response.status_int in (400, 404)
    assert fragment in response.json["message"]


def test_an_unexpected_error_is_a_500_envelope_without_a_trace(testapp, auth_app, users):
    def boom(*a, **kw):
        raise RuntimeError("secret internals")

    headers = users.token(users.admin())
    auth_app.registry["scm.secret_box"].seal = boom
    response = testapp.post(
        f"/api_key/create/{headers['X-Auth-Cloudauth-Id']}", headers=headers, status=500
    )
    assert response.json["success"] is False
    assert "secret internals" not in response.text and "Traceback" not in response.text


def test_database_down_is_503_not_a_trace(auth_app, testapp):
    from sqlalchemy.orm import sessionmaker

    from common.db import make_engine

    dead = make_engine({"sqlalchemy.url": "sqlite:////nonexistent-dir/cloudauth.sqlite"})
    auth_app.registry["scm.dbsession_factory"] = sessionmaker(bind=dead)
    response = testapp.post("/auth/login", {"username": "admin", "password": "Penguin"}, status=503)
    assert response.json["message"] == "the database is unavailable; try again later"
