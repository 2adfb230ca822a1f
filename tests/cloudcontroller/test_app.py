"""The controller's shell: envelope, authentication through Cloud Auth, methods, prefixes."""

from __future__ import annotations

import pytest

from cloudcontroller.settings import ControllerSettings
from common.security import PERMISSIONS_KEY
from common.settings import ConfigError


def test_root_names_the_service(controller):
    body = controller.get("/v1/").json
    assert body == {
        "data": {"service": "Scyld Cloud Controller", "version": "3.1.0", "cloud_controller_id": 1},
        "msg": "",
        "success": True,
    }


def test_unknown_path_is_404_in_the_controller_envelope(controller):
    assert controller.get("/no-such-thing", status=404).json["success"] is False


def test_settings_name_what_is_missing():
    with pytest.raises(ConfigError, match="cloudauth.url"):
        ControllerSettings.from_raw({})
    with pytest.raises(ConfigError, match="cloud_controller_id"):
        ControllerSettings.from_raw({"cloudauth.url": "http://x", "cloud_controller_id": "zero"})


def test_every_api_view_asks_a_named_permission_the_controller_grants(make_controller_app):
    """Views ask "instance:update", "user:create"...: never the bare "authenticated", and never
    a name no feature grants (that view would answer 403 to everyone)."""
    registry = make_controller_app().registry
    granted = registry[PERMISSIONS_KEY]
    asked = {}
    for item in registry.introspector.get_category("views"):
        view = item["introspectable"]
        if view["route_name"] in (None, "root", "openapi"):
            continue  # the public ones, and exception views
        names = [r["value"] for r in item["related"] if r.category_name == "permissions"]
        asked[(view["route_name"], str(view["request_methods"]))] = names
    assert len(asked) == 26, sorted(asked)  # every route and method of shared/API.md
    for where, names in asked.items():
        assert len(names) == 1, where
        assert ":" in names[0] and names[0] in granted, (where, names[0])
