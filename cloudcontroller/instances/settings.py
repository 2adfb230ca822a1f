"""Settings of server-instances and the worker: ``virtualization.*``, the instance-related
``openstack.*`` settings (seed 1.9.8), ``userauth.manage_sshd_acls`` and ``worker.*``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from common.settings import ConfigError, Raw


@dataclass(frozen=True)
class InstanceSettings:
    # virtualization.*
    boot_timeout: float = 180.0
    reboot_timeout: float = 240.0
    auto_assign_public_ip: bool = True
    flavor_caps: Mapping[str, int] = field(default_factory=dict)
    hostname_prefix: str = "vm"
    hostname_uuid_uniq_chars: int = 7
    image_config_routines: Mapping[str, str] = field(default_factory=dict)
    # ours: how readiness is detected ("ssh": the banner on port 22, or the image's service_url;
    # "none": boot to ACTIVE only, for clouds whose VMs the controller cannot reach).
    ready_check: str = "ssh"
    ready_timeout: float = 600.0
    # ours: configure VMs with Ansible after boot (sshd AllowUsers, NFS auto_mounts, routines).
    configure_vms: bool = True
    ansible_user: str = "root"
    ansible_private_key_file: str | None = None
    ansible_extra_vars: Mapping[str, str] = field(default_factory=dict)
    ansible_timeout: float = 300.0
    # openstack.*
    allow_rdp: bool = False
    autodelete_bootvol: bool = False
    compute_node_ranges: tuple[str, ...] = ()
    floating_ip_pool_name: str = "public"
    grow_instances: bool = False
    private_network_name: str = "private"
    secondary_networks: tuple[str, ...] = ()
    gpu_query: str | None = None
    gpu_pci_ids: tuple[str, ...] = ()
    # userauth.manage_sshd_acls (NFS auto_mounts are the storage settings' nfs_auto_mounts)
    manage_sshd_acls: bool = True
    # worker.*
    worker_interval: float = 2.0
    worker_lease: float = 120.0
    worker_batch: int = 500
    worker_threads: int = 8
    orphan_scan_interval: float = 600.0

    @classmethod
    def from_raw(cls, r: Raw) -> InstanceSettings:
        caps = r.json("virtualization.flavor_caps", {})
        routines = r.json("virtualization.image_config_routines", {})
        extra = r.json("virtualization.ansible_extra_vars", {})
        for key, value in (
            ("virtualization.flavor_caps", caps),
            ("virtualization.image_config_routines", routines),
            ("virtualization.ansible_extra_vars", extra),
        ):
            if not isinstance(value, dict):
                raise ConfigError(f"setting {key} must be a JSON object")
        try:
            caps = {str(k): int(v) for k, v in caps.items()}
        except (TypeError, ValueError):
            raise ConfigError(
                "setting virtualization.flavor_caps maps flavor ids to counts"
            ) from None
        ready = r.str("virtualization.ready_check", "ssh").lower()
        if ready not in ("ssh", "none"):
            raise ConfigError("setting virtualization.ready_check must be ssh or none")
        return cls(
            boot_timeout=r.duration("virtualization.boot_timeout", 180),
            reboot_timeout=r.duration("virtualization.reboot_timeout", 240),
            auto_assign_public_ip=r.bool("virtualization.auto_assign_public_ip", True),
            flavor_caps=caps,
            hostname_prefix=r.str("virtualization.hostname_prefix", "vm"),
            hostname_uuid_uniq_chars=r.int("virtualization.hostname_uuid_uniq_chars", 7, 1),
            image_config_routines={str(k): str(v) for k, v in routines.items()},
            ready_check=ready,
            ready_timeout=r.duration("virtualization.ready_timeout", 600),
            configure_vms=r.bool("virtualization.configure_vms", True),
            ansible_user=r.str("virtualization.ansible_user", "root"),
            ansible_private_key_file=r.optional("virtualization.ansible_private_key_file"),
            ansible_extra_vars={str(k): str(v) for k, v in extra.items()},
            ansible_timeout=r.duration("virtualization.ansible_timeout", 300),
            allow_rdp=r.bool("openstack.allow_rdp", False),
            autodelete_bootvol=r.bool("openstack.autodelete_bootvol", False),
            compute_node_ranges=tuple(str(n) for n in r.networks("openstack.compute_node_ranges")),
            floating_ip_pool_name=r.str("openstack.floating_ip_pool_name", "public"),
            grow_instances=r.bool("openstack.grow_instances", False),
            private_network_name=r.str("openstack.private_network_name", "private"),
            secondary_networks=r.words("openstack.secondary_networks"),
            gpu_query=r.optional("openstack.gpu_query"),
            gpu_pci_ids=tuple(w.lower() for w in r.words("openstack.gpu_pci_ids")),
            manage_sshd_acls=r.bool("userauth.manage_sshd_acls", True),
            worker_interval=r.duration("worker.interval", 2),
            worker_lease=r.duration("worker.lease", 120),
            worker_batch=r.int("worker.batch", 500, 1),
            worker_threads=r.int("worker.threads", 8, 1),
            orphan_scan_interval=r.duration("worker.orphan_scan_interval", 600),
        )
