"""``GET /openapi.json``: the app's OpenAPI 3.1 description, public (no token).

Each app keeps its description as data beside its code (``<app>/openapi.yaml``) and includes
this module from its ``routes.py``. The file is read and encoded once, at start-up, so a broken
description stops the service instead of failing a client later; a test compares it with the
app's real routes (tests/common/test_openapi.py).
"""

from __future__ import annotations

import json
from importlib import resources

import yaml

FILE_NAME = "openapi.yaml"


def load_description(package: str) -> dict:
    """The OpenAPI document of ``package`` (``cloudauth``, ``cloudcontroller``...)."""
    text = resources.files(package).joinpath(FILE_NAME).read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.1"):
        raise ValueError(f"{package}/{FILE_NAME} is not an OpenAPI 3.1 document")
    return document


def openapi_view(request):
    response = request.response
    response.content_type = "application/json"
    response.body = request.registry["scm.openapi_json"]
    return response


def includeme(config):
    package = config.registry.settings["scm.app_name"]
    body = json.dumps(load_description(package), ensure_ascii=False, sort_keys=False)
    config.registry["scm.openapi_json"] = body.encode("utf-8")
    config.add_route("openapi", "/openapi.json")
    config.add_view(openapi_view, route_name="openapi", request_method="GET")
