from __future__ import annotations

import pytest
import webtest

from tests.cloudcontroller.accounts.helpers import Recorder, make_root


@pytest.fixture(scope="session")
def registered_controller(cloudauth):
    """Cloud controller 1 in Cloud Auth's registry (system accounts refer to it)."""
    listed = cloudauth.get("/cloud_controller/list", cloudauth.admin)
    ids = {c["id"] for c in listed.get("cloud_controllers", listed.get("controllers", []))}
    if 1 not in ids:
        response = cloudauth.http.post(
            cloudauth.url + "/cloud_controller/create",
            data={"id": "1", "name": "cc1"},
            headers=cloudauth.admin.headers,
            timeout=10,
        )
        assert (
            response.json()["success"] or "exists" in response.text or response.status_code == 409
        )
    return 1


@pytest.fixture
def sysroot(tmp_path):
    return make_root(tmp_path)


@pytest.fixture
def nis_make(tmp_path):
    return Recorder(tmp_path, "make")


@pytest.fixture
def lfs(tmp_path):
    return Recorder(tmp_path, "lfs")


@pytest.fixture
def exportfs(tmp_path):
    return Recorder(tmp_path, "exportfs")


@pytest.fixture
def app_with(make_controller_app, registered_controller, sysroot):
    """``app_with(**settings)``: a TestApp of the controller with the local user driver on the
    temporary root unless told otherwise."""

    def build(**overrides):
        settings = {"users.driver": "local", "users.root": str(sysroot)}
        settings.update(overrides)
        return webtest.TestApp(
            make_controller_app(**settings), extra_environ={"REMOTE_ADDR": "127.0.0.1"}
        )

    return build
