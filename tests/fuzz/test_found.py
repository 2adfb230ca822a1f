"""Regression tests for what the fuzz tier found beyond issue 16's list: plain, fast WebTest
requests against the real app, no fuzzer needed."""

from __future__ import annotations

import pytest
import webtest

from cloudauth import main as auth_main
from common.migrations import upgrade
from tests.live import DEMO_KEY


@pytest.fixture(scope="module")
def auth(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('found')}/cloudauth.sqlite"
    app = auth_main(
        {},
        **{
            "sqlalchemy.url": url,
            "apikey.encryption_keys": DEMO_KEY,
            "login_allowed.hosts": "127.0.0.1",
        },
    )
    upgrade("cloudauth", app.registry["scm.db_engine"])
    client = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    body = client.post("/auth/login", {"username": "admin", "password": "Penguin"}).json
    client.headers = {
        "X-Auth-Token": body["authentication_token"],
        "X-Auth-Cloudauth-Id": body["data"]["userid"],
    }
    return client


def test_remove_user_from_a_role_id_past_64_bits_is_a_404_with_a_message(auth):
    """Found by the fuzzer: the issue names /role/add_user; /role/remove_user shares its
    lookup and answered 500 the same way."""
    response = auth.post(
        "/role/remove_user/99999999999999999999",
        {"user_id": "0" * 32},
        headers=auth.headers,
        status="*",
    )
    assert response.status_int == 404
    assert response.json["success"] is False
    assert "99999999999999999999" in response.json["message"]
