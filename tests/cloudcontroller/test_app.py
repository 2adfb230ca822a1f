"""The controller's shell: envelope, authentication through Cloud Auth, methods, prefixes."""

from __future__ import annotations

import pytest

from cloudcontroller.settings import ControllerSettings
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
