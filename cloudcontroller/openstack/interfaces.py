"""What the Cloud Controller needs from OpenStack, stated once.

Calls are coarse and idempotent-friendly: deletes of something already gone succeed, `ensure_*`
calls converge, every create marks its resource as SCM's (with the SCM instance UUID) so a
resumed worker or `find_orphans` can recognise it. Values are small frozen dataclasses, never
client-library objects; every failure is one of `cloudcontroller.openstack.errors`.

SCM's marks on what it creates:
    servers          tag "scm" and tag "scm-instance-<uuid>"; metadata scm_instance_uuid=<uuid>
    volumes          metadata scm_managed=true, scm_instance_uuid=<uuid>
    floating IPs     description "scm:<uuid>"
    security groups  name "scm-<uuid>", description "scm:<uuid>"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

SCM_TAG = "scm"
SCM_MARK_PREFIX = "scm:"


def instance_tag(scm_instance_uuid: str) -> str:
    return f"scm-instance-{scm_instance_uuid}"


@dataclass(frozen=True)
class Flavor:
    id: str
    name: str
    ram_mb: int
    disk_gb: int
    vcpus: int
    is_public: bool
    extra_specs: Mapping[str, str] = field(default_factory=dict)

    @property
    def gpu_request(self) -> tuple[str, int] | None:
        """(PCI alias, count) when `pci_passthrough:alias` asks for devices, else None."""
        alias = self.extra_specs.get("pci_passthrough:alias")
        if not alias:
            return None
        name, _, count = alias.partition(":")
        return name, int(count or 1)

    @property
    def wants_gpu(self) -> bool:
        return self.gpu_request is not None or self.extra_specs.get("gpu", "").lower() == "true"


@dataclass(frozen=True)
class Image:
    id: str
    name: str
    status: str
    visibility: str
    owner: str | None
    min_disk_gb: int
    min_ram_mb: int
    size_bytes: int | None
    properties: Mapping[str, str] = field(default_factory=dict)
    created_at: str = ""  # Glance's ISO 8601 text


@dataclass(frozen=True)
class Volume:
    id: str
    name: str | None
    size_gb: int
    status: str
    bootable: bool
    metadata: Mapping[str, str]
    attached_server_ids: tuple[str, ...]
    image_id: str | None

    @property
    def scm_instance_uuid(self) -> str | None:
        return self.metadata.get("scm_instance_uuid")


@dataclass(frozen=True)
class Address:
    network: str
    ip: str
    kind: str  # "fixed" or "floating"
    mac: str | None = None


@dataclass(frozen=True)
class Server:
    id: str
    name: str
    status: str  # Nova's: BUILD, ACTIVE, ERROR, REBOOT, HARD_REBOOT, SHUTOFF...
    task_state: str | None
    flavor_name: str | None
    metadata: Mapping[str, str]
    tags: tuple[str, ...]
    addresses: tuple[Address, ...]
    volume_ids: tuple[str, ...]
    key_name: str | None
    security_groups: tuple[str, ...]
    hostname: str | None
    created: str
    fault_message: str | None = None

    @property
    def scm_instance_uuid(self) -> str | None:
        return self.metadata.get("scm_instance_uuid")

    def private_ip(self, network: str | None = None) -> str | None:
        """The first fixed address, on `network` when given."""
        for address in self.addresses:
            if address.kind == "fixed" and network in (None, address.network):
                return address.ip
        return None

    def floating_ips(self) -> tuple[str, ...]:
        return tuple(a.ip for a in self.addresses if a.kind == "floating")


@dataclass(frozen=True)
class FloatingIP:
    id: str
    address: str
    network_id: str
    port_id: str | None
    fixed_ip: str | None
    status: str
    description: str

    @property
    def scm_instance_uuid(self) -> str | None:
        if self.description.startswith(SCM_MARK_PREFIX):
            return self.description[len(SCM_MARK_PREFIX) :]
        return None


@dataclass(frozen=True)
class SecurityGroupRule:
    direction: str
    ethertype: str
    protocol: str | None
    port_min: int | None
    port_max: int | None
    remote_ip_prefix: str | None


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str
    description: str
    rules: tuple[SecurityGroupRule, ...]

    @property
    def scm_instance_uuid(self) -> str | None:
        if self.description.startswith(SCM_MARK_PREFIX):
            return self.description[len(SCM_MARK_PREFIX) :]
        return None


@dataclass(frozen=True)
class KeystoneUser:
    id: str
    name: str
    project_id: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class BootRequest:
    """A server to boot from an existing volume.

    `networks` are network names: the first is the private network, the rest secondary.
    `security_groups` are names or ids. `metadata` is merged with SCM's own mark.
    """

    scm_instance_uuid: str
    name: str
    flavor_id: str
    volume_id: str
    networks: Sequence[str]
    security_groups: Sequence[str] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)
    key_name: str | None = None
    hostname: str | None = None


@dataclass(frozen=True)
class ScmResources:
    """Everything carrying SCM's mark, for reconciling against the controller's database."""

    servers: tuple[Server, ...]
    volumes: tuple[Volume, ...]
    floating_ips: tuple[FloatingIP, ...]
    security_groups: tuple[SecurityGroup, ...]


@runtime_checkable
class OpenStack(Protocol):
    """The controller's view of OpenStack. Implementations: `driver.OpenStackDriver`."""

    # -- flavors and images -------------------------------------------------------------------
    def list_flavors(self) -> list[Flavor]:
        """Every flavor SCM's project can use, with its extra specs."""

    def get_flavor(self, flavor_ref: str) -> Flavor:
        """A flavor by id, else by unique name. NotFound when neither matches."""

    def list_images(self, properties: Mapping[str, str] | None = None) -> list[Image]:
        """Images visible to SCM's project (public, own, shared-accepted), filtered server-side
        by custom properties, e.g. {"image_type": "loginnode", "active": "true"}."""

    def get_image(self, image_id: str) -> Image:
        """NotFound when the image does not exist or is not visible."""

    # -- volumes ------------------------------------------------------------------------------
    def create_volume_from_image(
        self,
        scm_instance_uuid: str,
        image_id: str,
        size_gb: int,
        name: str,
        metadata: Mapping[str, str] | None = None,
    ) -> Volume:
        """Start creating a bootable volume (status "creating"); poll `get_volume` until
        "available" or "error". BadRequest when size < the image's min_disk;
        QuotaOrCapacity when the volume quota is spent."""

    def get_volume(self, volume_id: str) -> Volume:
        """NotFound when gone."""

    def extend_volume(self, volume_id: str, new_size_gb: int) -> None:
        """Grow an available volume; a no-op when it is already at least that big.
        Conflict when the volume is not available (in use, still creating)."""

    def delete_volume(self, volume_id: str) -> None:
        """Start deleting; succeeds when already gone. Conflict while attached."""

    def list_volumes(self, scm_only: bool = True) -> list[Volume]:
        """The project's volumes (only SCM-marked ones by default), in one call: a resumed
        worker finds the boot volume it created before it could record the id."""

    # -- servers ------------------------------------------------------------------------------
    def boot_server(self, request: BootRequest) -> Server:
        """Boot from the volume (boot_index 0) on the named networks; returns the BUILD server.
        NotFound for an unknown network name; BadRequest for a volume that is not available;
        QuotaOrCapacity when over quota. A boot that fails later shows as status ERROR with
        `fault_message` (e.g. no valid host, no free GPU)."""

    def get_server(self, server_id: str) -> Server:
        """NotFound once the server is gone (after a delete completes)."""

    def list_servers(self) -> list[Server]:
        """Every SCM-tagged server of the project, detailed, in one call."""

    def delete_server(self, server_id: str) -> None:
        """Start deleting; succeeds when already gone. The boot volume is kept."""

    def reboot_server(self, server_id: str, hard: bool = False) -> None:
        """Conflict when the server cannot reboot now (building, deleting)."""

    # -- floating IPs -------------------------------------------------------------------------
    def allocate_floating_ip(self, network_name: str, scm_instance_uuid: str) -> FloatingIP:
        """Allocate from the external network's pool. FloatingIPPoolExhausted when empty;
        NotFound for an unknown network."""

    def associate_floating_ip(
        self, floating_ip_id: str, server_id: str, network_name: str | None = None
    ) -> FloatingIP:
        """Bind to the server's port (on `network_name` when given) and read it back.
        FloatingIPAssociationLost when the binding does not hold; NotFound when the server
        has no port yet."""

    def disassociate_floating_ip(self, floating_ip_id: str) -> None:
        """Unbind; succeeds when already unbound."""

    def release_floating_ip(self, floating_ip_id: str) -> None:
        """Return the address to the pool; succeeds when already released."""

    def list_floating_ips(self, scm_only: bool = True) -> list[FloatingIP]:
        """The project's floating IPs (only SCM-marked ones by default), to find leaks."""

    # -- security groups ----------------------------------------------------------------------
    def create_security_group(
        self,
        scm_instance_uuid: str,
        allow_rdp: bool = False,
        compute_node_cidrs: Sequence[str] = (),
    ) -> SecurityGroup:
        """Ensure group "scm-<uuid>" with ingress ssh (tcp 22), optionally RDP (tcp and udp
        3389), and tcp 1024-65535 from each compute-node CIDR. Converges when it exists."""

    def delete_security_group(self, group_id: str) -> None:
        """Succeeds when already gone. Conflict while a port still uses it."""

    # -- identity -----------------------------------------------------------------------------
    def ensure_user(
        self, name: str, password: str, project_name: str, role_name: str = "member"
    ) -> KeystoneUser:
        """A Keystone user of that name holding `role_name` on the project; created when
        missing, the role granted when missing. NotFound for an unknown project or role."""

    def delete_user(self, name: str) -> None:
        """Succeeds when no such user exists."""

    # -- reconciliation -----------------------------------------------------------------------
    def list_scm_resources(self) -> ScmResources:
        """Every SCM-marked server, volume, floating IP and security group."""
