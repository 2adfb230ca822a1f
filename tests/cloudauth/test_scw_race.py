"""One SCW token, many checks at once: exactly one succeeds, on the database under test (SQLite,
or MariaDB in CI tier 2, where the checks are concurrent transactions on one row). Cloud Auth is
served over HTTP with 8 threads, its own migrated database, as tests/live.py runs it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests import live
from tests.conftest import database_url, drop_database


@pytest.fixture(scope="module")
def served_auth(tmp_path_factory):
    url = database_url("scwrace", tmp_path_factory)
    peer = live.LiveCloudAuth(url, live.shared_cache())
    yield peer
    peer.close()
    drop_database(url)


@pytest.mark.parametrize("round_", range(3))
def test_of_eight_racing_checks_exactly_one_signs_in(served_auth, round_):
    auth = served_auth
    user = auth.user()
    node = auth.user(roles=["scw_admin"])
    token = auth.post("/auth/scw_token", user, service_url="https://203.0.113.5/")["auth_token"]

    def check(_):
        return requests.get(
            auth.url + "/auth/verify_token",
            params={"auth_token": token, "userid": user.userid},
            headers=node.headers,
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(check, range(8)))
    assert statuses == [200] + [401] * 7
