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


# --- users.driver = ldap against a real directory -------------------------------------------


@pytest.fixture(scope="session")
def cc_slapd(tmp_path_factory):
    """A real slapd holding alice, bob, carol (tests/cloudauth/ldap/slapd.py)."""
    from tests.cloudauth.ldap.slapd import slapd_missing, start_slapd
    from tests.conftest import skip_or_fail

    reason = slapd_missing()
    if reason is not None:
        skip_or_fail(reason)
    server = start_slapd(tmp_path_factory.mktemp("cc-slapd"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ldap_cloudauth(tmp_path_factory, cc_slapd):
    """A Cloud Auth whose logins go to ``cc_slapd``: ``login("alice", "alice-pw")`` makes a
    directory account."""
    from tests import live

    peer = live.LiveCloudAuth(
        f"sqlite:///{tmp_path_factory.mktemp('cc-ldap-auth')}/cloudauth.sqlite",
        live.shared_cache(),
        **cc_slapd.raw_settings(),
    )
    peer.post("/cloud_controller/create", peer.admin, id="1", name="cc1")
    yield peer
    peer.close()


@pytest.fixture
def ldap_app_with(cc_db_url, cc_session_factory, ldap_cloudauth, cc_slapd, simulator):
    """``ldap_app_with(**settings)``: the controller with users.driver = ldap, its directory
    settings pointing at ``cc_slapd``, talking to ``ldap_cloudauth``."""
    from cloudcontroller import main
    from tests.cloudcontroller.conftest import controller_settings

    account = ldap_cloudauth.service_account("cloudcontroller_admin")

    def build(**overrides):
        settings = {"users.driver": "ldap", **cc_slapd.raw_settings()}
        settings.update(overrides)
        app = main(
            {},
            **controller_settings(cc_db_url, ldap_cloudauth, account, simulator, **settings),
        )
        app.registry["scm.dbsession_factory"] = cc_session_factory
        app.registry["scm.cache"] = ldap_cloudauth.cache
        return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})

    return build
