"""Configuring a booted VM (seed 1.9.8): sshd ``AllowUsers`` for the permitted users when
``userauth.manage_sshd_acls`` and the image ``is_linux``, NFS ``auto_mounts``, then the image's
``virtualization.image_config_routines``. Ansible does the work, through ansible-runner and the
playbooks in ``cloudcontroller/ansible/``."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pyramid.path import DottedNameResolver

log = logging.getLogger(__name__)
PLAYBOOKS = Path(__file__).resolve().parent.parent / "ansible"


def search_path() -> str:
    """PATH with this Python's bin first: a venv's ansible-playbook is often not on the worker's
    PATH."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


class ConfigureError(Exception):
    """Configuration did not complete; the message says what failed."""


@dataclass(frozen=True)
class ConfigureTarget:
    instance_id: str
    address: str
    hostname: str
    image_id: str
    is_linux: bool
    allowed_users: tuple[str, ...]  # system names
    auto_mounts: dict[str, str] = field(default_factory=dict)  # mount point -> "server:/path opts"


class ImageConfigRoutine(Protocol):
    """A ``virtualization.image_config_routines`` class: built with the configurator, then
    ``configure(target)``; raise ConfigureError to fail the VM."""

    def configure(self, target: ConfigureTarget) -> None: ...


class AnsibleConfigurator:
    def __init__(self, settings):
        self.settings = settings  # InstanceSettings
        self.manage_sshd_acls = settings.manage_sshd_acls

    def run_playbook(self, playbook: str, target: ConfigureTarget, extra: dict) -> None:
        """Run one playbook of ``cloudcontroller/ansible`` against the VM; ConfigureError when
        it does not succeed."""
        import ansible_runner  # the worker's dependency only

        s = self.settings
        host = {"ansible_host": target.address, "ansible_user": s.ansible_user}
        if s.ansible_private_key_file:
            host["ansible_ssh_private_key_file"] = s.ansible_private_key_file
        host.update(s.ansible_extra_vars)
        inventory = {"all": {"hosts": {target.hostname: host}}}
        work = Path(tempfile.mkdtemp(prefix="scm-ansible-"))
        try:
            (work / "project").mkdir()
            shutil.copy(PLAYBOOKS / playbook, work / "project" / playbook)
            result = ansible_runner.run(
                private_data_dir=str(work),
                playbook=playbook,
                inventory=inventory,
                extravars=extra,
                quiet=True,
                timeout=int(s.ansible_timeout),
                envvars={
                    "ANSIBLE_HOST_KEY_CHECKING": "False",
                    "ANSIBLE_NOCOLOR": "1",
                    "PATH": search_path(),
                },
            )
            if result.status != "successful" or result.rc != 0:
                failures = [
                    e.get("event_data", {}).get("res", {}).get("msg", "")
                    for e in result.events
                    if e.get("event") in ("runner_on_failed", "runner_on_unreachable")
                ]
                detail = "; ".join(f for f in failures if f) or (
                    f"status {result.status}: {result.stdout.read()[-500:]}"
                )
                raise ConfigureError(f"{playbook}: {detail}")
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def configure(self, target: ConfigureTarget) -> None:
        if target.is_linux and (self.manage_sshd_acls or target.auto_mounts):
            self.run_playbook(
                "configure_vm.yml",
                target,
                {
                    "scm_manage_sshd_acls": bool(self.manage_sshd_acls),
                    "scm_allow_users": list(target.allowed_users),
                    "scm_auto_mounts": json.loads(json.dumps(target.auto_mounts)),
                },
            )
        routine = self.settings.image_config_routines.get(target.image_id)
        if routine:
            DottedNameResolver().resolve(routine)(self).configure(target)
