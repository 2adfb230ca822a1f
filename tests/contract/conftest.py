"""Targets for the contract suite: the simulator (always) and the real stack (on request).

SCM_TEST_OPENSTACK=real adds the real OpenStack test stack, whose credentials and names come
from the JSON file at SCM_OPENSTACK_REAL_ENV (default var/openstack-real/env.json). Asked for
and missing is a failure, not a skip.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cloudcontroller.openstack import errors
from cloudcontroller.openstack.driver import OpenStackDriver
from cloudcontroller.openstack.settings import OpenStackSettings
from openstack_simulator.testing import SimulatorProcess

REQUIRED_KEYS = (
    "auth_url",
    "username",
    "password",
    "project_name",
    "user_domain_name",
    "project_domain_name",
    "region_name",
    "private_network",
    "external_network",
    "image_name",
    "flavor_name",
)
TARGETS = ["sim"] + (["real"] if os.environ.get("SCM_TEST_OPENSTACK") == "real" else [])


@dataclass
class Target:
    name: str
    env: dict
    sim: SimulatorProcess | None = None

    def settings(self, **overrides) -> OpenStackSettings:
        env = self.env
        values = dict(
            auth_url=env["auth_url"],
            username=env["username"],
            password=env["password"],
            project_name=env["project_name"],
            user_domain_name=env["user_domain_name"],
            project_domain_name=env["project_domain_name"],
            region_name=env["region_name"],
            timeout=30.0,
        )
        values.update(overrides)
        return OpenStackSettings(**values)


def load_real_env() -> dict:
    path = Path(os.environ.get("SCM_OPENSTACK_REAL_ENV", "var/openstack-real/env.json"))
    if not path.is_file():
        pytest.fail(f"SCM_TEST_OPENSTACK=real but {path} does not exist", pytrace=False)
    env = json.loads(path.read_text())
    missing = [k for k in REQUIRED_KEYS if k not in env]
    if missing:
        pytest.fail(f"{path} lacks {missing}", pytrace=False)
    return env


@pytest.fixture(scope="session", params=TARGETS)
def target(request, tmp_path_factory):
    if request.param == "real":
        env = load_real_env()
        try:
            OpenStackDriver(Target("real", env).settings()).check()
        except errors.OpenStackError as exc:
            pytest.fail(f"the real OpenStack stack is not usable: {exc}", pytrace=False)
        yield Target("real", env)
        return
    state = tmp_path_factory.mktemp("contract-sim") / "state.sqlite"
    with SimulatorProcess(state) as proc:
        print(f"\nsimulator ready in {proc.startup_seconds:.2f}s")
        yield Target("sim", proc.env(), proc)


@pytest.fixture(scope="session")
def driver(target):
    return OpenStackDriver(target.settings())


@pytest.fixture
def sim(target):
    """Fault injection and quotas exist only on the simulator."""
    if target.sim is None:
        pytest.skip("needs the simulator's fault injection")
    yield target.sim
    target.sim.clear_faults()


@pytest.fixture
def scm_uuid():
    return str(uuid.uuid4())


@pytest.fixture
def cleanup():
    """Undo steps registered by a test, last first, ignoring what is already gone."""
    steps: list[Callable[[], object]] = []
    yield steps.append
    for step in reversed(steps):
        with contextlib.suppress(errors.NotFound):
            step()


def wait_for(
    read: Callable[[], object],
    done: Callable[[object], bool],
    timeout: float = 120.0,
    what: str = "resource",
):
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"{what} never settled: {value}"
        time.sleep(0.1)


def wait_gone(read: Callable[[], object], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            read()
        except errors.NotFound:
            return
        assert time.monotonic() < deadline, "still there"
        time.sleep(0.1)


@pytest.fixture
def boot_volume(driver, target, scm_uuid, cleanup):
    """An available boot volume made from the login-node image."""

    def make(size: int | None = None):
        image = next(i for i in driver.list_images() if i.name == target.env["image_name"])
        volume = driver.create_volume_from_image(
            scm_uuid, image.id, size or max(image.min_disk_gb, 1), f"scm-{scm_uuid}-boot"
        )
        cleanup(lambda: driver.delete_volume(volume.id))
        return wait_for(
            lambda: driver.get_volume(volume.id),
            lambda v: v.status in ("available", "error"),
            what="volume",
        )

    return make


@pytest.fixture
def active_server(driver, target, scm_uuid, boot_volume, cleanup):
    """A server booted from a fresh volume and ACTIVE, deleted afterwards."""
    from cloudcontroller.openstack.interfaces import BootRequest

    def make(**overrides):
        volume = boot_volume()
        flavor = driver.get_flavor(target.env["flavor_name"])
        fields = {
            "scm_instance_uuid": scm_uuid,
            "name": f"vm-{scm_uuid[:7]}",
            "flavor_id": flavor.id,
            "volume_id": volume.id,
            "networks": [target.env["private_network"]],
            "metadata": {"scm_username": "alice", "scm_users": "alice,bob"},
            "hostname": f"vm-{scm_uuid[:7]}",
        }
        request = BootRequest(**{**fields, **overrides})
        server = driver.boot_server(request)

        def remove():
            driver.delete_server(server.id)
            wait_gone(lambda: driver.get_server(server.id))

        cleanup(remove)
        return wait_for(
            lambda: driver.get_server(server.id),
            lambda s: s.status in ("ACTIVE", "ERROR"),
            what="server",
        ), volume

    return make


@pytest.fixture(name="wait_for")
def wait_for_fixture():
    return wait_for


@pytest.fixture(name="wait_gone")
def wait_gone_fixture():
    return wait_gone
