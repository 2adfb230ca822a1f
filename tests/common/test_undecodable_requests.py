"""A path or query that is not UTF-8 once its percent-escapes are undone (``/%FF``) is a 400 in
each app's own envelope, answered by the shared WSGI plumbing, never the WSGI server's plain-text
500 (issue 16, item 4)."""

from __future__ import annotations

import pytest
import webtest

import cloudaccountant
import cloudauth
import cloudcontroller
from tests.live import DEMO_KEY

# Nothing is called at start-up: these addresses are never reached by the requests below.
NOWHERE = "http://127.0.0.1:9"

BUILDERS = {
    "cloudauth": lambda: cloudauth.main(
        {}, **{"sqlalchemy.url": "sqlite://", "apikey.encryption_keys": DEMO_KEY}
    ),
    "cloudcontroller": lambda: cloudcontroller.main(
        {},
        **{
            "sqlalchemy.url": "sqlite://",
            "cloudauth.url": NOWHERE,
            "openstack.auth_url": NOWHERE + "/identity/v3",
            "openstack.username": "admin",
            "openstack.password": "secret",
            "openstack.project_name": "scm",
        },
    ),
    "cloudaccountant": lambda: cloudaccountant.main(
        {}, **{"sqlalchemy.accountant.url": "sqlite://", "cloudauth.url": NOWHERE}
    ),
}
ENVELOPE_MESSAGE = {"cloudauth": "message", "cloudcontroller": "msg", "cloudaccountant": "msg"}

UNDECODABLE = [
    "/%FF",
    "/v1/%FF",
    "/v1.1/user/%C3%28",  # an invalid UTF-8 sequence
    "/user/%FF/view",
    "/job?start_date=%FF",
    "/job?%FE=1",
    "/auth/login?x=%ff%fe",
]


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def service(request):
    return request.param, webtest.TestApp(BUILDERS[request.param]())


@pytest.mark.parametrize("path", UNDECODABLE)
def test_a_path_or_query_that_is_not_utf8_is_a_400_in_the_envelope(service, path):
    name, app = service
    response = app.get(path, expect_errors=True)
    assert response.status_int == 400
    assert response.content_type == "application/json"
    body = response.json
    assert body["success"] is False
    assert "UTF-8" in body[ENVELOPE_MESSAGE[name]]


def test_the_same_on_every_method(service):
    _, app = service
    for method in (app.post, app.put, app.delete):
        assert method("/%FF", expect_errors=True).status_int == 400


def test_utf8_escapes_still_reach_routing(service):
    """Only undecodable input is refused: an escaped é is routed (to a 404) as before."""
    name, app = service
    response = app.get("/no-such-%C3%A9", expect_errors=True)
    assert response.status_int == 404
    assert response.json[ENVELOPE_MESSAGE[name]] == "no resource at /no-such-%C3%A9"
