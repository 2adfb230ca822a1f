"""The simulator, like the services, answers a 400 for a path or query that is not UTF-8 once
percent-decoded (``/%FF``), not the WSGI server's plain-text 500 (issue 16, item 4)."""

from __future__ import annotations

import pytest
import webtest

from openstack_simulator import make_app


@pytest.fixture(scope="module")
def sim_app(tmp_path_factory):
    return webtest.TestApp(make_app(str(tmp_path_factory.mktemp("sim") / "state.sqlite")))


@pytest.mark.parametrize(
    "path", ["/%FF", "/compute/v2.1/servers/%FF", "/identity/v3?x=%FF", "/image/v2/images?%FE=1"]
)
def test_undecodable_input_is_a_400_with_a_json_body(sim_app, path):
    response = sim_app.get(path, expect_errors=True)
    assert response.status_int == 400
    assert response.json["error"]["code"] == 400
    assert "UTF-8" in response.json["error"]["message"]
