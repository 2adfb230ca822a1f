"""Controller tests boot the real app (main()) against: its own migrated database (rolled back
per test), a real Cloud Auth over HTTP, and the OpenStack simulator as a real process reached
through the real client libraries."""

from __future__ import annotations

import pytest
import webtest

from cloudcontroller import main
from openstack_simulator.testing import SimulatorProcess
from tests import live


@pytest.fixture(scope="session")
def peer_cache():
    return live.shared_cache()


@pytest.fixture(scope="session")
def cloudauth(tmp_path_factory, peer_cache):
    """A real Cloud Auth: ``cloudauth.user(...)`` makes logged-in users."""
    peer = live.LiveCloudAuth(
        f"sqlite:///{tmp_path_factory.mktemp('cc-auth')}/cloudauth.sqlite", peer_cache
    )
    yield peer
    peer.close()


@pytest.fixture(scope="session")
def cc_service_account(cloudauth):
    return cloudauth.service_account("cloudcontroller_admin")


@pytest.fixture(scope="session")
def simulator(tmp_path_factory):
    with SimulatorProcess(tmp_path_factory.mktemp("cc-sim") / "state.sqlite") as sim:
        yield sim


def controller_settings(cc_db_url, cloudauth, service_account, simulator, **overrides) -> dict:
    _, key, secret = service_account
    settings = {
        "sqlalchemy.url": cc_db_url,
        "cloud_controller_id": "1",
        "cloudauth.url": cloudauth.url,
        "cloudauth.api_key": key,
        "cloudauth.api_secret": secret,
        "openstack.auth_url": simulator.url + "/identity/v3",
        "openstack.username": "admin",
        "openstack.password": "admin-password",
        "openstack.project_name": "scm",
        "openstack.verify": "false",
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def make_controller_app(
    cc_db_url, cc_session_factory, cloudauth, cc_service_account, simulator, peer_cache, clock
):
    def build(**overrides):
        app = main(
            {},
            **controller_settings(cc_db_url, cloudauth, cc_service_account, simulator, **overrides),
        )
        app.registry["scm.dbsession_factory"] = cc_session_factory
        app.registry["scm.cache"] = peer_cache
        return app

    return build


@pytest.fixture
def controller(make_controller_app):
    return webtest.TestApp(make_controller_app(), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
