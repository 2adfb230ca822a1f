"""The configuration playbook run for real with ansible-runner, against a directory standing in
for the VM's filesystem (Ansible's ``local`` connection), with stand-in restart and mount
commands that record what they were asked."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cloudcontroller.instances.configure import AnsibleConfigurator, ConfigureError, ConfigureTarget
from cloudcontroller.instances.settings import InstanceSettings
from common.settings import Raw

pytest.importorskip("ansible_runner")

SSHD = """# sshd_config of the image
Port 22
AllowUsers olduser
PermitRootLogin no
"""


@pytest.fixture
def vm_root(tmp_path):
    root = tmp_path / "vm"
    (root / "etc" / "ssh").mkdir(parents=True)
    (root / "etc" / "ssh" / "sshd_config").write_text(SSHD)
    (root / "etc" / "fstab").write_text("/dev/vda1 / xfs defaults 0 0\n")
    return root


def configurator(root: Path, **raw) -> AnsibleConfigurator:
    log = root.parent / "commands.log"
    extra = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "scm_root": str(root),
        "scm_restart_sshd_command": f"echo restart-sshd >> {log}",
        "scm_mount_command": f"echo mount-nfs >> {log}",
    }
    settings = InstanceSettings.from_raw(
        Raw({"virtualization.ansible_extra_vars": json.dumps(extra), **raw})
    )
    return AnsibleConfigurator(settings)


def target(**overrides) -> ConfigureTarget:
    values = dict(
        instance_id="a" * 32,
        address="127.0.0.1",
        hostname="vmaaaaaaa",
        image_id="img",
        is_linux=True,
        allowed_users=("alice", "bob"),
    )
    values.update(overrides)
    return ConfigureTarget(**values)


def commands(root: Path) -> list[str]:
    log = root.parent / "commands.log"
    return log.read_text().split() if log.exists() else []


def test_allow_users_lines_written_and_sshd_restarted(vm_root):
    configurator(vm_root).configure(target())
    text = (vm_root / "etc/ssh/sshd_config").read_text()
    assert [line for line in text.splitlines() if line.startswith("AllowUsers")] == [
        "AllowUsers alice",
        "AllowUsers bob",
    ]
    assert "PermitRootLogin no" in text and "olduser" not in text
    assert commands(vm_root) == ["restart-sshd"]


def test_a_changed_user_list_replaces_the_lines(vm_root):
    configurator(vm_root).configure(target())
    configurator(vm_root).configure(target(allowed_users=("carol",)))
    text = (vm_root / "etc/ssh/sshd_config").read_text()
    assert [line for line in text.splitlines() if line.startswith("AllowUsers")] == [
        "AllowUsers carol"
    ]


def test_no_sshd_change_when_acls_are_not_managed(vm_root):
    configurator(vm_root, **{"userauth.manage_sshd_acls": "false"}).configure(target())
    assert (vm_root / "etc/ssh/sshd_config").read_text() == SSHD
    assert commands(vm_root) == []


def test_no_sshd_change_for_an_image_that_is_not_linux(vm_root):
    configurator(vm_root).configure(target(is_linux=False))
    assert (vm_root / "etc/ssh/sshd_config").read_text() == SSHD


def test_auto_mounts_go_to_fstab_and_are_mounted(vm_root):
    mounts = {"/home": "10.0.0.5:/export/home rw,hard", "/scratch": "10.0.0.6:/scratch"}
    configurator(vm_root).configure(target(auto_mounts=mounts))
    fstab = (vm_root / "etc/fstab").read_text().splitlines()
    assert "10.0.0.5:/export/home /home nfs rw,hard 0 0" in fstab
    assert "10.0.0.6:/scratch /scratch nfs defaults 0 0" in fstab
    assert (vm_root / "home").is_dir() and (vm_root / "scratch").is_dir()
    assert "mount-nfs" in commands(vm_root)


class RecordingRoutine:
    seen: list = []

    def __init__(self, configurator):
        self.configurator = configurator

    def configure(self, target):
        RecordingRoutine.seen.append(target.image_id)


class FailingRoutine(RecordingRoutine):
    def configure(self, target):
        raise ConfigureError("license server unreachable")


def test_image_config_routine_runs_for_its_image_only(vm_root):
    routines = '{"img": "tests.cloudcontroller.instances.test_ansible:RecordingRoutine"}'
    c = configurator(vm_root, **{"virtualization.image_config_routines": routines})
    RecordingRoutine.seen = []
    c.configure(target())
    c.configure(target(image_id="other"))
    assert RecordingRoutine.seen == ["img"]


def test_a_failing_playbook_is_a_configure_error(vm_root):
    (vm_root / "etc/ssh/sshd_config").unlink()
    with pytest.raises(ConfigureError, match="configure_vm.yml"):
        configurator(vm_root).configure(target())
