"""The VM lifecycle through the controller's API and worker, on every contract target: the
simulator always, the real OpenStack test stack with SCM_TEST_OPENSTACK=real.

create → ACTIVE with a floating IP → power off (Nova server gone, boot volume kept, same SCM
UUID) → power on (a new Nova server on the same volume) → delete. The real stack's VMs answer no
ssh and its Neutron has no L3 agent, so readiness is ``none`` and configuration is off.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time

import pytest
import webtest
from sqlalchemy import select

from cloudcontroller import main
from cloudcontroller.instances import models as m
from cloudcontroller.openstack import errors

# Fixtures of the controller's suites, reused here (pytest registers imported fixtures).
from tests.cloudcontroller.conftest import cc_service_account, cloudauth, peer_cache  # noqa: F401
from tests.cloudcontroller.instances.conftest import Stack, fresh_db_url  # noqa: F401

# How long one step (an ACTIVE, a STOPPED...) may take on each cloud.
STEP_TIMEOUT = {"sim": 30.0, "real": 240.0}


def cloud_settings(target, db_url, cloudauth, service_account, **overrides) -> dict:  # noqa: F811
    _, key, secret = service_account
    env = target.env
    settings = {
        "sqlalchemy.url": db_url,
        "cloud_controller_id": "1",
        "cloudauth.url": cloudauth.url,
        "cloudauth.api_key": key,
        "cloudauth.api_secret": secret,
        "openstack.auth_url": env["auth_url"],
        "openstack.username": env["username"],
        "openstack.password": env["password"],
        "openstack.project_name": env["project_name"],
        "openstack.user_domain_name": env["user_domain_name"],
        "openstack.project_domain_name": env["project_domain_name"],
        "openstack.region_name": env["region_name"],
        "openstack.verify": "false",
        "openstack.private_network_name": env["private_network"],
        "openstack.floating_ip_pool_name": env["external_network"],
        "virtualization.ready_check": "none",
        "virtualization.configure_vms": "false",
        "worker.interval": "0.05",
        "worker.lease": "60",
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def cloud(target, fresh_db_url, cloudauth, cc_service_account, peer_cache, clock):  # noqa: F811
    app = main({}, **cloud_settings(target, fresh_db_url, cloudauth, cc_service_account))
    app.registry["scm.cache"] = peer_cache
    app.registry["scm.clock"] = clock
    stack = Stack(
        webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"}),
        app.registry,
        clock,
        target.sim,
    )
    yield stack
    remove_everything(stack, STEP_TIMEOUT[target.name])
    app.registry["scm.db_engine"].dispose()


def remove_everything(stack: Stack, timeout: float) -> None:
    """Delete what the test left (instances, then their kept boot volumes): a shared cloud."""
    from sqlalchemy import update

    with stack.db() as db:
        db.execute(
            update(m.ServerInstance)
            .where(m.ServerInstance.desired != m.GONE)
            .values(
                desired=m.GONE,
                pending=True,
                generation=m.ServerInstance.generation + 1,
                lease_owner=None,
                lease_until=None,
            )
        )
        db.commit()
    worker = stack.worker()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.run_cycle()
        with stack.db() as db:
            left = db.scalars(select(m.ServerInstance.id).where(m.ServerInstance.pending)).all()
        if not left:
            break
        time.sleep(0.2)
    with stack.db() as db:
        ids = set(db.scalars(select(m.ServerInstance.id)))
    volumes = [v for v in stack.openstack.list_volumes() if v.scm_instance_uuid in ids]
    while volumes and time.monotonic() < deadline:
        for volume in list(volumes):
            with contextlib.suppress(errors.NotFound):
                try:
                    stack.openstack.delete_volume(volume.id)
                except (errors.Conflict, errors.BadRequest):
                    continue  # still detaching
            volumes.remove(volume)
        time.sleep(0.5)


@pytest.fixture
def owner(cloud, cloudauth):  # noqa: F811
    who = cloudauth.user()
    cloud.system_user(who, "owner1")
    return who


def test_create_power_off_power_on_delete(cloud, owner, target, driver, clock):
    timeout = STEP_TIMEOUT[target.name]
    env = target.env
    flavor = driver.get_flavor(env["flavor_name"])
    image = next(i for i in driver.list_images() if i.name == env["image_name"])
    created = cloud.create(owner, flavor=flavor.id, image=image.id)["data"]
    uuid = created["id"]
    assert created["status"] == "BUILD" and created["hostname"] == "vm" + uuid[:7]
    worker = cloud.worker()

    active = cloud.run_until(worker, uuid, {"ACTIVE", "ERROR", "FAILED"}, owner, timeout)
    assert active["status"] == "ACTIVE", active
    assert active["public-ip"] and active["private-ip"]
    first = cloud.resources_of(uuid)
    assert [len(first[k]) for k in ("servers", "volumes", "floating_ips")] == [1, 1, 1]
    server, volume, fip = first["servers"][0], first["volumes"][0], first["floating_ips"][0]
    assert fip.address == active["public-ip"]
    assert server.metadata["scm_username"] == "owner1"
    assert server.metadata["scm_users"] == "owner1"
    assert server.hostname == active["hostname"]
    assert server.volume_ids == (volume.id,)
    assert volume.size_gb == max(flavor.disk_gb, image.min_disk_gb, 1)
    assert server.private_ip(env["private_network"]) == active["private-ip"]
    group = first["security_groups"][0]
    assert {(r.protocol, r.port_min) for r in group.rules if r.direction == "ingress"} >= {
        ("tcp", 22)
    }

    clock.advance(hours=2)
    url = f"/server-instance/{uuid}"
    cloud.app.put_json(url, {"power": "off"}, headers=owner.headers)
    stopped = cloud.run_until(worker, uuid, {"STOPPED", "ERROR"}, owner, timeout)
    assert stopped["status"] == "STOPPED", stopped
    assert stopped["id"] == uuid and "public-ip" not in stopped
    off = cloud.resources_of(uuid)
    assert off["servers"] == [] and off["floating_ips"] == []
    assert [v.id for v in off["volumes"]] == [volume.id]
    with pytest.raises(errors.NotFound):
        driver.get_server(server.id)

    cloud.app.put_json(url, {"power": "on"}, headers=owner.headers)
    assert cloud.get(owner, uuid)["status"] == "STARTING"
    again = cloud.run_until(worker, uuid, {"ACTIVE", "ERROR", "FAILED"}, owner, timeout)
    assert again["status"] == "ACTIVE", again
    assert again["id"] == uuid and again["public-ip"]
    on = cloud.resources_of(uuid)
    assert len(on["servers"]) == 1 and on["servers"][0].id != server.id
    assert on["servers"][0].volume_ids == (volume.id,)
    assert [v.id for v in on["volumes"]] == [volume.id]
    assert len(on["floating_ips"]) == 1

    clock.advance(hours=1)
    cloud.app.delete(url, headers=owner.headers)
    gone = cloud.run_until(worker, uuid, {"DELETED", "ERROR"}, owner, timeout)
    assert gone["status"] == "DELETED", gone
    assert "deletion-date" in gone
    left = cloud.resources_of(uuid)
    assert left["servers"] == [] and left["floating_ips"] == [] and left["security_groups"] == []
    assert [v.id for v in left["volumes"]] == [volume.id]  # autodelete_bootvol is off
    listed = cloud.app.get("/server-instance", headers=owner.headers).json["data"]
    assert [i["status"] for i in listed if i["id"] == uuid] == ["DELETED"]

    with cloud.db() as db:
        spans = db.scalars(
            select(m.PowerInterval)
            .where(m.PowerInterval.instance_id == uuid)
            .order_by(m.PowerInterval.id)
        ).all()
    assert len(spans) == 2 and all(s.ended_at is not None for s in spans)
    assert spans[0].ended_at - spans[0].started_at == dt.timedelta(hours=2)
    assert spans[1].ended_at - spans[1].started_at == dt.timedelta(hours=1)
    assert spans[0].flavor_id == flavor.id and spans[0].cloudauth_id == owner.userid
