"""Killed at every step of create and of power on, a worker leaves OpenStack in a state a new
worker finishes from: exactly one volume, one server and one floating IP, never a leak or a
duplicate. The kill comes from a checkpoint that raises ``WorkerKilled`` right after an
OpenStack call and before its result is written, and right after each write: the windows a
SIGKILL could hit."""

from __future__ import annotations

import pytest

from cloudcontroller.instances.worker import WorkerKilled


class KillAt:
    """Kills the worker the first time it passes the named checkpoint; records the distinct
    checkpoints passed, in order."""

    def __init__(self, name: str | None):
        self.name = name
        self.seen: list[str] = []

    def __call__(self, name: str) -> None:
        if name not in self.seen:
            self.seen.append(name)
        if name == self.name:
            raise WorkerKilled(name)


def checkpoints(stack, who, prepare) -> list[str]:
    """The checkpoints a clean run passes, in order."""
    instance_id = prepare()
    recorder = KillAt(None)
    stack.run_until(stack.worker(checkpoint=recorder), instance_id, {"ACTIVE"}, who)
    return recorder.seen


def kill_then_finish(stack, who, prepare, n: str, clock) -> str:
    instance_id = prepare()
    doomed = stack.worker(name="doomed", checkpoint=KillAt(n))
    with pytest.raises(WorkerKilled):
        stack.run_until(doomed, instance_id, {"ACTIVE"}, who)
    clock.advance(seconds=61)  # the dead worker's lease (worker.lease = 60) runs out
    stack.run_until(stack.worker(name="heir"), instance_id, {"ACTIVE"}, who)
    return instance_id


def assert_exactly_one_of_each(stack, instance_id):
    found = stack.resources_of(instance_id)
    counts = {kind: len(items) for kind, items in found.items()}
    assert counts == {"servers": 1, "volumes": 1, "floating_ips": 1, "security_groups": 1}
    server = found["servers"][0]
    assert server.volume_ids == (found["volumes"][0].id,)
    assert found["floating_ips"][0].port_id is not None


def finish_and_delete(stack, who, instance_id):
    stack.app.delete(f"/server-instance/{instance_id}", headers=who.headers)
    stack.run_until(stack.worker(), instance_id, {"DELETED"}, who)


@pytest.fixture
def who(stack, cloudauth):
    user = cloudauth.user()
    stack.system_user(user)
    return user


def test_killed_at_every_step_of_create(make_stack, cloudauth, clock):
    stack = make_stack(
        **{"virtualization.boot_timeout": "3600", "openstack.autodelete_bootvol": "true"}
    )
    who = cloudauth.user()
    stack.system_user(who)

    def prepare():
        return stack.create(who)["data"]["id"]

    steps = checkpoints(stack, who, prepare)
    assert {"volume_created", "server_booted", "floating_ip_allocated"} <= set(steps)
    for n in steps:
        instance_id = kill_then_finish(stack, who, prepare, n, clock)
        assert_exactly_one_of_each(stack, instance_id)
        finish_and_delete(stack, who, instance_id)


def test_killed_at_every_step_of_power_on(make_stack, cloudauth, clock):
    stack = make_stack(
        **{"virtualization.boot_timeout": "3600", "openstack.autodelete_bootvol": "true"}
    )
    who = cloudauth.user()
    stack.system_user(who)

    def prepare():
        instance_id = stack.create(who)["data"]["id"]
        worker = stack.worker()
        stack.run_until(worker, instance_id, {"ACTIVE"}, who)
        url = f"/server-instance/{instance_id}"
        stack.app.put_json(url, {"power": "off"}, headers=who.headers)
        stack.run_until(worker, instance_id, {"STOPPED"}, who)
        stack.app.put_json(url, {"power": "on"}, headers=who.headers)
        return instance_id

    steps = checkpoints(stack, who, prepare)
    assert "volume_created" not in steps and "server_booted" in steps
    for n in steps:
        instance_id = kill_then_finish(stack, who, prepare, n, clock)
        assert_exactly_one_of_each(stack, instance_id)
        finish_and_delete(stack, who, instance_id)
