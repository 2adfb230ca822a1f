"""PUT users on a running VM configures it again: the worker runs the real playbook (Ansible's
``local`` connection, against a directory standing in for the VM's filesystem) and the VM's
``sshd_config`` follows the list, on the same Nova server and the same power interval."""

from __future__ import annotations

import json
import sys

import pytest
from sqlalchemy import select

from cloudcontroller.instances import models as m

pytest.importorskip("ansible_runner")


@pytest.fixture
def vm_root(tmp_path):
    root = tmp_path / "vm"
    (root / "etc" / "ssh").mkdir(parents=True)
    (root / "etc" / "ssh" / "sshd_config").write_text("Port 22\nPermitRootLogin no\n")
    (root / "etc" / "fstab").write_text("/dev/vda1 / xfs defaults 0 0\n")
    return root


@pytest.fixture
def configured_stack(make_stack, vm_root):
    log = vm_root.parent / "commands.log"
    extra = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "scm_root": str(vm_root),
        "scm_restart_sshd_command": f"echo restart-sshd >> {log}",
        "scm_mount_command": f"echo mount-nfs >> {log}",
    }
    return make_stack(
        **{
            "virtualization.configure_vms": "true",
            "virtualization.ansible_extra_vars": json.dumps(extra),
        }
    )


def allow_users(root) -> list[str]:
    text = (root / "etc/ssh/sshd_config").read_text()
    return [line for line in text.splitlines() if line.startswith("AllowUsers")]


def restarts(root) -> int:
    log = root.parent / "commands.log"
    return log.read_text().split().count("restart-sshd") if log.exists() else 0


def test_put_users_on_a_running_vm_reconfigures_it(configured_stack, cloudauth, vm_root):
    stack = configured_stack
    owner, friend = cloudauth.user(), cloudauth.user()
    stack.system_user(owner, "owner1")
    friend_id = stack.system_user(friend, "bob")
    created = stack.create(owner)["data"]
    worker = stack.worker()
    active = stack.run_until(worker, created["id"], {"ACTIVE", "ERROR"}, owner, timeout=120)
    assert active["status"] == "ACTIVE", active
    assert allow_users(vm_root) == ["AllowUsers owner1"]
    assert restarts(vm_root) == 1
    server = stack.resources_of(created["id"])["servers"][0].id

    url = f"/server-instance/{created['id']}"
    body = stack.app.put_json(
        url, {"users": [{"user-id": friend_id, "power": True}]}, headers=owner.headers
    ).json["data"]
    assert body["status"] == "CONFIGURING" and body["users"] == [friend_id]
    again = stack.run_until(worker, created["id"], {"ACTIVE", "ERROR"}, owner, timeout=120)
    assert again["status"] == "ACTIVE", again
    assert allow_users(vm_root) == ["AllowUsers owner1", "AllowUsers bob"]
    assert restarts(vm_root) == 2
    assert stack.get(friend, created["id"])["id"] == created["id"]  # bob sees it now
    assert [s.id for s in stack.resources_of(created["id"])["servers"]] == [server]

    stack.app.put_json(url, {"users": []}, headers=owner.headers)
    stack.run_until(worker, created["id"], {"ACTIVE", "ERROR"}, owner, timeout=120)
    assert allow_users(vm_root) == ["AllowUsers owner1"]

    with stack.db() as db:
        spans = db.scalars(
            select(m.PowerInterval).where(m.PowerInterval.instance_id == created["id"])
        ).all()
    assert len(spans) == 1 and spans[0].ended_at is None  # reconfiguring is no power change


def test_put_users_on_a_stopped_vm_waits_for_power_on(configured_stack, cloudauth, vm_root):
    stack = configured_stack
    owner, friend = cloudauth.user(), cloudauth.user()
    stack.system_user(owner, "owner2")
    friend_id = stack.system_user(friend, "carol")
    created = stack.create(owner)["data"]
    worker = stack.worker()
    stack.run_until(worker, created["id"], {"ACTIVE"}, owner, timeout=120)
    url = f"/server-instance/{created['id']}"
    stack.app.put_json(url, {"power": "off"}, headers=owner.headers)
    stack.run_until(worker, created["id"], {"STOPPED"}, owner)
    runs = restarts(vm_root)

    body = stack.app.put_json(url, {"users": [friend_id]}, headers=owner.headers).json["data"]
    assert body["status"] == "STOPPED"
    worker.run_cycle()
    assert stack.get(owner, created["id"])["status"] == "STOPPED"
    assert restarts(vm_root) == runs  # nothing to configure while it is off

    stack.app.put_json(url, {"power": "on"}, headers=owner.headers)
    stack.run_until(worker, created["id"], {"ACTIVE", "ERROR"}, owner, timeout=120)
    assert allow_users(vm_root) == ["AllowUsers owner2", "AllowUsers carol"]
    server = stack.resources_of(created["id"])["servers"][0]
    assert server.metadata["scm_users"] == "owner2,carol"


class ChangingUsers:
    """A configurator during whose first run the owner changes the user list (PUT users while
    the worker configures the VM)."""

    def __init__(self, change):
        self.change = change
        self.seen: list[tuple[str, ...]] = []

    def configure(self, target):
        self.seen.append(target.allowed_users)
        if len(self.seen) == 1:
            self.change()


def test_put_users_while_configuring_configures_again(make_stack, cloudauth):
    stack = make_stack(**{"virtualization.configure_vms": "true"})
    owner, friend = cloudauth.user(), cloudauth.user()
    stack.system_user(owner, "owner3")
    friend_id = stack.system_user(friend, "dave")
    created = stack.create(owner)["data"]
    url = f"/server-instance/{created['id']}"

    def change():
        body = stack.app.put_json(url, {"users": [friend_id]}, headers=owner.headers).json
        assert body["data"]["status"] == "CONFIGURING"

    configurator = ChangingUsers(change)
    worker = stack.worker(configurator=configurator)
    stack.run_until(worker, created["id"], {"ACTIVE", "ERROR"}, owner)
    assert configurator.seen == [("owner3",), ("owner3", "dave")]


class Recording:
    def __init__(self):
        self.seen: list[tuple[str, ...]] = []

    def configure(self, target):
        self.seen.append(target.allowed_users)


def test_put_users_while_rebooting_configures_once_it_is_back(make_stack, cloudauth):
    stack = make_stack(**{"virtualization.configure_vms": "true"})
    owner, friend = cloudauth.user(), cloudauth.user()
    stack.system_user(owner, "owner4")
    friend_id = stack.system_user(friend, "erin")
    created = stack.create(owner)["data"]
    url = f"/server-instance/{created['id']}"
    configurator = Recording()
    worker = stack.worker(configurator=configurator)
    stack.run_until(worker, created["id"], {"ACTIVE", "ERROR"}, owner)
    assert configurator.seen == [("owner4",)]

    stack.app.put_json(url, {"power": "reboot"}, headers=owner.headers)
    back = stack.run_until(worker, created["id"], {"ACTIVE", "ERROR"}, owner)
    assert back["status"] == "ACTIVE"
    assert configurator.seen == [("owner4",)]  # a reboot alone configures nothing

    stack.app.put_json(url, {"power": "reboot"}, headers=owner.headers)
    body = stack.app.put_json(url, {"users": [friend_id]}, headers=owner.headers).json["data"]
    assert body["status"] == "REBOOTING" and body["users"] == [friend_id]
    back = stack.run_until(worker, created["id"], {"ACTIVE", "ERROR"}, owner)
    assert back["status"] == "ACTIVE", back
    assert configurator.seen == [("owner4",), ("owner4", "erin")]
    with stack.db() as db:
        spans = db.scalars(
            select(m.PowerInterval).where(m.PowerInterval.instance_id == created["id"])
        ).all()
        assert db.get(m.ServerInstance, created["id"]).reconfigure_pending is False
    assert len(spans) == 1 and spans[0].ended_at is None
