"""The VM lifecycle end to end on the simulator: API + worker + real client libraries."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cloudcontroller.instances import models as m
from cloudcontroller.instances.snapshot import Snapshot
from cloudcontroller.openstack import errors


@pytest.fixture
def owner(stack, cloudauth):
    who = cloudauth.user()
    stack.system_user(who, "owner1")
    return who


def intervals(stack, instance_id):
    with stack.db() as db:
        return db.scalars(
            select(m.PowerInterval).where(m.PowerInterval.instance_id == instance_id)
        ).all()


def test_create_power_off_power_on_delete(stack, owner, clock):
    created = stack.create(owner)["data"]
    assert created["status"] == "BUILD" and created["hostname"] == "vm" + created["id"][:7]
    worker = stack.worker()
    active = stack.run_until(worker, created["id"], {"ACTIVE"}, owner)
    assert active["public-ip"].startswith("203.0.113.") and active["private-ip"].startswith("10.")
    first = stack.resources_of(created["id"])
    assert [len(first[k]) for k in ("servers", "volumes", "floating_ips")] == [1, 1, 1]
    server = first["servers"][0]
    assert server.metadata["scm_username"] == "owner1"
    assert server.metadata["scm_users"] == "owner1"
    assert server.hostname == active["hostname"]
    assert server.volume_ids == (first["volumes"][0].id,)
    assert first["volumes"][0].size_gb == 8  # m1.tiny's 1 GB, raised to the image's min_disk
    group = first["security_groups"][0]
    assert {(r.protocol, r.port_min) for r in group.rules if r.direction == "ingress"} >= {
        ("tcp", 22)
    }

    clock.advance(hours=2)
    stack.app.put_json(f"/server-instance/{created['id']}", {"power": "off"}, headers=owner.headers)
    stopped = stack.run_until(worker, created["id"], {"STOPPED"}, owner)
    assert stopped["id"] == created["id"] and "public-ip" not in stopped
    off = stack.resources_of(created["id"])
    assert off["servers"] == [] and off["floating_ips"] == []
    assert [v.id for v in off["volumes"]] == [first["volumes"][0].id]

    stack.app.put_json(f"/server-instance/{created['id']}", {"power": "on"}, headers=owner.headers)
    assert stack.get(owner, created["id"])["status"] == "STARTING"
    stack.run_until(worker, created["id"], {"ACTIVE"}, owner)
    on = stack.resources_of(created["id"])
    assert len(on["servers"]) == 1 and on["servers"][0].id != server.id
    assert on["servers"][0].volume_ids == (first["volumes"][0].id,)
    assert len(on["floating_ips"]) == 1

    clock.advance(hours=1)
    stack.app.delete(f"/server-instance/{created['id']}", headers=owner.headers)
    gone = stack.run_until(worker, created["id"], {"DELETED"}, owner)
    assert "deletion-date" in gone
    left = stack.resources_of(created["id"])
    assert left["servers"] == [] and left["floating_ips"] == [] and left["security_groups"] == []
    assert len(left["volumes"]) == 1  # openstack.autodelete_bootvol is off by default
    listed = stack.app.get("/server-instance", headers=owner.headers).json["data"]
    assert [i["status"] for i in listed if i["id"] == created["id"]] == ["DELETED"]

    spans = intervals(stack, created["id"])
    assert len(spans) == 2 and all(s.ended_at is not None for s in spans)
    assert spans[0].ended_at - spans[0].started_at == dt.timedelta(hours=2)
    assert spans[0].flavor_id == "1" and spans[0].cloudauth_id == owner.userid


def test_delete_removes_the_boot_volume_with_autodelete(make_stack, cloudauth):
    stack = make_stack(**{"openstack.autodelete_bootvol": "true"})
    who = cloudauth.user()
    stack.system_user(who)
    created = stack.create(who)["data"]
    worker = stack.worker()
    stack.run_until(worker, created["id"], {"ACTIVE"}, who)
    stack.app.delete(f"/server-instance/{created['id']}", headers=who.headers)
    stack.run_until(worker, created["id"], {"DELETED"}, who)
    assert stack.resources_of(created["id"])["volumes"] == []


def test_reboot_returns_to_active_and_keeps_the_interval(stack, owner):
    created = stack.create(owner)["data"]
    worker = stack.worker()
    stack.run_until(worker, created["id"], {"ACTIVE"}, owner)
    before = stack.resources_of(created["id"])["servers"][0].id
    body = stack.app.put_json(
        f"/server-instance/{created['id']}", {"power": "reboot"}, headers=owner.headers
    ).json["data"]
    assert body["status"] == "REBOOTING"
    stack.run_until(worker, created["id"], {"ACTIVE"}, owner)
    assert stack.resources_of(created["id"])["servers"][0].id == before
    spans = intervals(stack, created["id"])
    assert len(spans) == 1 and spans[0].ended_at is None


def test_boot_timeout_is_error_with_the_reason(make_stack, cloudauth, clock):
    stack = make_stack(**{"virtualization.boot_timeout": "180"})
    who = cloudauth.user()
    stack.system_user(who)
    stack.simulator.admin("PUT", "/delays", {"build": 30})
    try:
        created = stack.create(who)["data"]
        worker = stack.worker()
        stack.run_until(worker, created["id"], {"BOOT"}, who)
        clock.advance(seconds=181)
        failed = stack.run_until(worker, created["id"], {"ERROR"}, who)
    finally:
        stack.simulator.admin("PUT", "/delays", {"build": 0.3})
    assert "not ACTIVE within 180 s" in failed["status-reason"]
    assert "configuration aborted" in failed["status-reason"]
    assert (
        "its server was deleted to free its capacity (the boot volume is kept)"
        in (failed["status-reason"])
    )
    assert intervals(stack, created["id"]) == []
    held = stack.resources_of(created["id"])
    assert all(s.task_state == "deleting" for s in held["servers"]), held["servers"]
    assert len(held["volumes"]) == 1


def test_failed_boot_is_error_with_novas_fault(stack, owner):
    stack.simulator.fault("boot_error")
    created = stack.create(owner)["data"]
    failed = stack.run_until(stack.worker(), created["id"], {"ERROR"}, owner)
    assert "the server failed" in failed["status-reason"]


@pytest.fixture
def exhausted_pool(stack):
    taken = []
    try:
        while True:
            taken.append(stack.openstack.allocate_floating_ip("public", "test-exhaust"))
    except errors.FloatingIPPoolExhausted:
        pass
    yield
    for fip in taken:
        stack.openstack.release_floating_ip(fip.id)


def test_exhausted_pool_is_failed_and_the_vm_is_kept(stack, owner, exhausted_pool):
    created = stack.create(owner)["data"]
    failed = stack.run_until(stack.worker(), created["id"], {"FAILED"}, owner)
    assert "no public IP" in failed["status-reason"]
    kept = stack.resources_of(created["id"])
    assert len(kept["servers"]) == 1 and kept["floating_ips"] == []
    assert intervals(stack, created["id"]) == []


def test_failed_retries_on_the_next_power_cycle(stack, owner, exhausted_pool, request):
    created = stack.create(owner)["data"]
    worker = stack.worker()
    stack.run_until(worker, created["id"], {"FAILED"}, owner)
    request.getfixturevalue("exhausted_pool")  # same fixture instance: still exhausted
    url = f"/server-instance/{created['id']}"
    stack.app.put_json(url, {"power": "off"}, headers=owner.headers)
    stack.run_until(worker, created["id"], {"STOPPED"}, owner)


def test_no_public_ip_when_auto_assign_is_off(make_stack, cloudauth):
    stack = make_stack(**{"virtualization.auto_assign_public_ip": "false"})
    who = cloudauth.user()
    stack.system_user(who)
    created = stack.create(who)["data"]
    active = stack.run_until(stack.worker(), created["id"], {"ACTIVE"}, who)
    assert "public-ip" not in active and active["private-ip"]
    assert stack.resources_of(created["id"])["floating_ips"] == []


def test_security_group_rules_follow_the_settings(make_stack, cloudauth):
    stack = make_stack(
        **{"openstack.allow_rdp": "true", "openstack.compute_node_ranges": "10.20.32.0/23"}
    )
    who = cloudauth.user()
    stack.system_user(who)
    created = stack.create(who)["data"]
    stack.run_until(stack.worker(), created["id"], {"ACTIVE"}, who)
    group = stack.resources_of(created["id"])["security_groups"][0]
    rules = {(r.protocol, r.port_min, r.port_max, r.remote_ip_prefix) for r in group.rules}
    assert ("tcp", 3389, 3389, "0.0.0.0/0") in rules and ("udp", 3389, 3389, "0.0.0.0/0") in rules
    assert ("tcp", 1024, 65535, "10.20.32.0/23") in rules


def test_grow_instances_extends_the_volume_on_power_on(make_stack, cloudauth):
    stack = make_stack(**{"openstack.grow_instances": "true"})
    who = cloudauth.user()
    stack.system_user(who)
    created = stack.create(who, flavor="2")["data"]  # m1.small: 20 GB
    worker = stack.worker()
    stack.run_until(worker, created["id"], {"ACTIVE"}, who)
    volume = stack.resources_of(created["id"])["volumes"][0]
    assert volume.size_gb == 20
    url = f"/server-instance/{created['id']}"
    stack.app.put_json(url, {"power": "off"}, headers=who.headers)
    stack.run_until(worker, created["id"], {"STOPPED"}, who)
    with stack.db() as db:  # the operator grew the flavor meanwhile: pretend it was m1.medium
        db.get(m.ServerInstance, created["id"]).flavor_id = "3"
        db.commit()
    stack.app.put_json(url, {"power": "on"}, headers=who.headers)
    stack.run_until(worker, created["id"], {"ACTIVE"}, who)
    assert stack.resources_of(created["id"])["volumes"][0].size_gb == 40


def test_orphans_are_reported(stack, owner):
    created = stack.create(owner)["data"]
    worker = stack.worker()
    stack.run_until(worker, created["id"], {"ACTIVE"}, owner)
    stray = stack.openstack.allocate_floating_ip("public", "f" * 32)
    try:
        found = worker.scan_orphans(Snapshot(stack.openstack), force=True)
        assert found.get("floating_ips") == [stray.id]
        assert "servers" not in found
    finally:
        stack.openstack.release_floating_ip(stray.id)


def test_openstack_calls_per_cycle_do_not_grow_with_instances(stack, owner):
    worker = stack.worker()
    ids = [stack.create(owner)["data"]["id"] for _ in range(3)]
    for i in ids:
        stack.run_until(worker, i, {"ACTIVE"}, owner)
    worker.scan_orphans(Snapshot(stack.openstack), force=True)  # not due again for 10 minutes
    assert worker.run_cycle().openstack_calls == 1
