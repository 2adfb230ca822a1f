"""Each service's OpenAPI 3.1 description is true to its routes, valid, and served publicly.

The routes come from the real app's Pyramid introspector (every route and each request method a
view answers), so a route added without its description, or a description left behind by a
removed route, fails here."""

from __future__ import annotations

import pytest
import webtest
from openapi_spec_validator import validate

from cloudaccountant import main as accountant_main
from cloudauth import main as auth_main
from cloudcontroller import main as controller_main
from common.openapi import load_description
from tests.live import DEMO_KEY

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


def _auth_app():
    return auth_main({}, **{"sqlalchemy.url": "sqlite://", "apikey.encryption_keys": DEMO_KEY})


def _controller_app():
    # Nothing here is reached at start-up: the OpenStack driver and the Cloud Auth client
    # connect on first use.
    return controller_main(
        {},
        **{
            "sqlalchemy.url": "sqlite://",
            "cloud_controller_id": "1",
            "cloudauth.url": "http://127.0.0.1:9",
            "cloudauth.api_key": "k" * 16,
            "cloudauth.api_secret": "s" * 32,
            "openstack.auth_url": "http://127.0.0.1:9/identity/v3",
            "openstack.username": "admin",
            "openstack.password": "admin-password",
            "openstack.project_name": "scm",
        },
    )


def _accountant_app():
    return accountant_main(
        {},
        **{
            "sqlalchemy.accountant.url": "sqlite://",
            "cloudauth.url": "http://127.0.0.1:9",
            "sqlalchemy.cloud.1.instances.url": "sqlite://",
        },
    )


APPS = {
    "cloudauth": _auth_app,
    "cloudcontroller": _controller_app,
    "cloudaccountant": _accountant_app,
}


@pytest.fixture(scope="module", params=sorted(APPS))
def service(request):
    return request.param, APPS[request.param]()


def routed_operations(registry) -> set[tuple[str, str]]:
    """(path pattern, method) of every view bound to a route, as Pyramid registered them."""
    introspector = registry.introspector
    patterns = {
        r["introspectable"]["name"]: r["introspectable"]["pattern"]
        for r in introspector.get_category("routes")
    }
    found = set()
    for view in introspector.get_category("views"):
        intr = view["introspectable"]
        if intr["route_name"] is None:
            continue  # exception and not-found views
        methods = intr["request_methods"]
        assert methods, f"route {intr['route_name']} has a view that accepts every method"
        for method in (methods,) if isinstance(methods, str) else methods:
            if method != "HEAD":  # Pyramid answers HEAD wherever it answers GET
                found.add((patterns[intr["route_name"]], method.upper()))
    return found


def described_operations(document: dict) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def resolve(document: dict, node: dict) -> dict:
    """``node``, or what its local ``$ref`` (``#/components/...``) points at."""
    while "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
                yield path, method, operation, [resolve(document, p) for p in parameters]


def test_every_route_and_method_is_described_and_nothing_else(service):
    name, app = service
    routed = routed_operations(app.registry)
    described = described_operations(load_description(name))
    assert routed - described == set(), f"{name}: routes without a description"
    assert described - routed == set(), f"{name}: descriptions without a route"


def test_the_description_is_valid_openapi_3_1(service):
    name, _ = service
    document = load_description(name)
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema


def test_each_operation_states_its_success_and_error_statuses(service):
    """The rules the fuzz tier relies on: a success status, 401 wherever a token is needed,
    404 wherever a path names an object, 503 wherever a backend is used; ids unique."""
    name, _ = service
    document = load_description(name)
    ids = []
    for path, method, operation, parameters in operations(document):
        where = f"{name} {method.upper()} {path}"
        statuses = set(operation["responses"])
        ids.append(operation["operationId"])
        assert any(s.startswith("2") for s in statuses), f"{where}: no success status"
        public = operation.get("security", document.get("security")) == []
        if not public:
            assert {"401", "503"} <= statuses, f"{where}: needs a token, so 401 and 503"
        if any(p["in"] == "path" for p in parameters):
            assert "404" in statuses, f"{where}: names an object, so 404"
        if method in ("post", "put") and "requestBody" in operation:
            assert "400" in statuses or public, f"{where}: takes input, so 400"
    assert len(ids) == len(set(ids)), f"{name}: operationId used twice"


def test_creations_answer_201(service):
    name, _ = service
    document = load_description(name)
    creations = {
        "cloudcontroller": ["/server-instance", "/user", "/group", "/storage-volume"],
        "cloudauth": ["/user/create", "/cloud_controller/create", "/system_account/create"],
        "cloudaccountant": [],
    }[name]
    for path in creations:
        assert "201" in document["paths"][path]["post"]["responses"], path


def test_the_description_is_served_without_a_token_with_or_without_a_version_prefix(service):
    name, app = service
    client = webtest.TestApp(app)
    for path in ("/openapi.json", "/v1/openapi.json"):
        response = client.get(path)
        assert response.status_int == 200
        assert response.content_type == "application/json"
        assert response.json == load_description(name)
    wrong = client.post("/openapi.json", status=405)
    assert wrong.json["success"] is False
