"""One step of the VM lifecycle state machine (DESIGN.md).

``step`` looks at one instance's persisted state and at what OpenStack says this cycle, does at
most one thing in OpenStack, records it on the state, and says whether the worker should go on
(``CONTINUE``), come back next cycle (``WAIT``) or leave the instance alone (``SETTLED``).

Every create is marked with the instance's UUID, and before creating anything a step looks for
a marked resource it may have created before a crash (a volume, server or floating IP whose id
never reached the database): a worker killed anywhere resumes without leaking or duplicating.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudcontroller.images.services import is_linux
from cloudcontroller.instances import models as m
from cloudcontroller.instances.configure import ConfigureError, ConfigureTarget
from cloudcontroller.openstack import errors
from cloudcontroller.openstack.interfaces import BootRequest

log = logging.getLogger(__name__)

CONTINUE, WAIT, SETTLED = "continue", "wait", "settled"
VOLUME_BUSY = ("creating", "downloading", "extending", "attaching", "detaching", "uploading")


@dataclass
class State:
    """A detached copy of a server_instances row; the worker writes back what changed."""

    id: str
    cloudauth_id: str
    image_id: str
    flavor_id: str
    hostname: str
    desired: str
    status: str
    phase: str
    phase_started_at: Any
    status_reason: str | None
    reboot_pending: bool
    reconfigure_pending: bool
    boot_volume_id: str | None
    server_id: str | None
    floating_ip_id: str | None
    security_group_id: str | None
    public_ip: str | None
    private_ip: str | None
    generation: int
    # Not columns: what the worker's writer does besides the UPDATE.
    open_interval: bool = False
    close_interval: bool = False
    deleted: bool = False
    system_names: tuple[str, ...] = ()  # the owner's first

    COLUMNS = [
        "id",
        "cloudauth_id",
        "image_id",
        "flavor_id",
        "hostname",
        "desired",
        "status",
        "phase",
        "phase_started_at",
        "status_reason",
        "reboot_pending",
        "reconfigure_pending",
        "boot_volume_id",
        "server_id",
        "floating_ip_id",
        "security_group_id",
        "public_ip",
        "private_ip",
        "generation",
    ]
    # Written even when the user changed the instance meanwhile: they name what exists.
    RESOURCES = ("boot_volume_id", "server_id", "floating_ip_id", "security_group_id")

    def columns(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.COLUMNS}


@dataclass
class Context:
    settings: Any  # ControllerSettings
    openstack: Any
    snapshot: Any  # worker.Snapshot
    now: Any
    probe: Callable[[str, str | None], bool]
    configurator: Any
    checkpoint: Callable[[str], None] = lambda name: None
    notes: list[str] = field(default_factory=list)


def _to(state: State, status: str, phase: str, now, reason: str | None = None) -> None:
    state.status, state.phase, state.phase_started_at = status, phase, now
    state.status_reason = reason


def fail(state: State, ctx: Context, status: str, reason: str) -> str:
    """ERROR or FAILED: the VM is kept as it is; a power cycle retries."""
    log.warning("instance %s: %s: %s", state.id, status, reason)
    if state.status in (m.ACTIVE, m.REBOOTING):
        state.close_interval = True
    _to(state, status, "", ctx.now, reason[:1000])
    return SETTLED


def step(state: State, ctx: Context) -> str:
    if state.desired == m.GONE:
        return teardown(state, ctx, m.DELETED)
    if state.desired == m.OFF:
        return teardown(state, ctx, m.STOPPED)
    return bring_up(state, ctx)


# -- adoption --------------------------------------------------------------------------------
def adopt_server(state: State, ctx: Context) -> None:
    if state.server_id is None:
        mine = ctx.snapshot.servers_of(state.id)
        if mine:
            state.server_id = mine[0].id


def adopt_volume(state: State, ctx: Context) -> None:
    if state.boot_volume_id is None:
        mine = ctx.snapshot.volumes_of(state.id)
        if mine:
            state.boot_volume_id = mine[0].id


def adopt_floating_ip(state: State, ctx: Context) -> None:
    if state.floating_ip_id is None:
        mine = ctx.snapshot.floating_ips_of(state.id)
        if mine:
            state.floating_ip_id = mine[0].id


def extra_servers(state: State, ctx: Context) -> str | None:
    """A duplicate server of this instance (should never exist): deleted, and reported."""
    for server in ctx.snapshot.servers_of(state.id):
        if server.id != state.server_id and server.task_state != "deleting":
            ctx.openstack.delete_server(server.id)
            ctx.notes.append(f"deleted duplicate server {server.id}")
            return WAIT
    return None


# -- power off and delete --------------------------------------------------------------------
def teardown(state: State, ctx: Context, final: str) -> str:
    going = m.STOPPING if final == m.STOPPED else m.DELETING
    if state.status == final:
        return SETTLED
    if state.status != going or not state.phase.startswith("teardown"):
        state.close_interval = True
        _to(state, going, "teardown", ctx.now)
        return CONTINUE
    adopt_server(state, ctx)
    if state.phase == "teardown":
        adopt_floating_ip(state, ctx)
        if state.floating_ip_id:
            ctx.openstack.release_floating_ip(state.floating_ip_id)
            ctx.checkpoint("floating_ip_released")
            state.floating_ip_id = state.public_ip = None
            return CONTINUE
        if state.server_id:
            ctx.openstack.delete_server(state.server_id)
            ctx.checkpoint("server_delete_requested")
        state.phase = "teardown-wait"
        return CONTINUE
    if extra_servers(state, ctx):
        return WAIT
    if state.server_id:
        if not ctx.snapshot.server_gone(state.server_id):
            return WAIT
        state.server_id = state.private_ip = None
    if final == m.STOPPED:
        _to(state, m.STOPPED, "", ctx.now)
        return SETTLED
    if state.security_group_id:
        try:
            ctx.openstack.delete_security_group(state.security_group_id)
        except errors.Conflict:
            return WAIT  # its port is still going away with the server
        ctx.checkpoint("security_group_deleted")
        state.security_group_id = None
        return CONTINUE
    if ctx.settings.instances.autodelete_bootvol:
        adopt_volume(state, ctx)
        if state.boot_volume_id:
            try:
                ctx.openstack.delete_volume(state.boot_volume_id)
            except (errors.Conflict, errors.BadRequest):
                return WAIT  # still detaching or still being created
            ctx.checkpoint("volume_delete_requested")
            state.boot_volume_id = None
            return CONTINUE
    _to(state, m.DELETED, "", ctx.now)
    state.deleted = True
    return SETTLED


# -- create, power on, reboot ----------------------------------------------------------------
def timed_out(state: State, ctx: Context, seconds: float) -> bool:
    started = state.phase_started_at
    return started is not None and (ctx.now - started).total_seconds() > seconds


def bring_up(state: State, ctx: Context) -> str:
    s = ctx.settings.instances
    if state.reboot_pending:
        return reboot(state, ctx)
    if state.phase == "reboot":
        return wait_rebooted(state, ctx)
    if state.status in (m.ACTIVE, m.ERROR, m.FAILED) and state.phase == "":
        return SETTLED
    if state.phase == "":
        _to(
            state,
            state.status if state.status in (m.BUILD, m.STARTING) else m.STARTING,
            "volume",
            ctx.now,
        )
        return CONTINUE
    if state.phase == "volume":
        return prepare_volume(state, ctx)
    if state.phase == "boot":
        return wait_active(state, ctx, s.boot_timeout, "boot_timeout")
    if state.phase == "address":
        return assign_address(state, ctx)
    if state.phase == "ready":
        return wait_ready(state, ctx)
    if state.phase == "configure":
        return configure(state, ctx)
    return fail(state, ctx, m.ERROR, f"unknown phase {state.phase!r}")


def prepare_volume(state: State, ctx: Context) -> str:
    s = ctx.settings.instances
    if state.security_group_id is None:
        group = ctx.openstack.create_security_group(
            state.id, allow_rdp=s.allow_rdp, compute_node_cidrs=s.compute_node_ranges
        )
        ctx.checkpoint("security_group_created")
        state.security_group_id = group.id
        return CONTINUE
    adopt_volume(state, ctx)
    flavor = ctx.snapshot.flavor(state.flavor_id)
    if state.boot_volume_id is None:
        image = ctx.snapshot.image(state.image_id)
        size = max(flavor.disk_gb, image.min_disk_gb, 1)
        try:
            volume = ctx.openstack.create_volume_from_image(
                state.id, state.image_id, size, f"{state.hostname}-boot"
            )
        except (errors.BadRequest, errors.QuotaOrCapacity, errors.NotFound) as exc:
            return fail(state, ctx, m.ERROR, f"boot volume could not be created: {exc.detail}")
        ctx.checkpoint("volume_created")
        state.boot_volume_id = volume.id
        return WAIT
    volume = ctx.snapshot.volume(state.boot_volume_id)
    if volume is None:
        try:
            volume = ctx.openstack.get_volume(state.boot_volume_id)
        except errors.NotFound:
            return fail(state, ctx, m.ERROR, f"boot volume {state.boot_volume_id} is gone")
    if volume.status == "error":
        return fail(state, ctx, m.ERROR, f"boot volume {volume.id} is in error")
    if volume.status in VOLUME_BUSY:
        return WAIT
    if s.grow_instances and volume.size_gb < flavor.disk_gb and not volume.attached_server_ids:
        ctx.openstack.extend_volume(volume.id, flavor.disk_gb)
        ctx.checkpoint("volume_extended")
        return WAIT
    return boot(state, ctx)


def boot(state: State, ctx: Context) -> str:
    s = ctx.settings.instances
    adopt_server(state, ctx)
    if state.server_id is None:
        names = state.system_names
        request = BootRequest(
            scm_instance_uuid=state.id,
            name=state.hostname,
            flavor_id=state.flavor_id,
            volume_id=state.boot_volume_id,
            networks=[s.private_network_name, *s.secondary_networks],
            security_groups=[state.security_group_id],
            metadata={"scm_username": names[0] if names else "", "scm_users": ",".join(names)},
            hostname=state.hostname,
        )
        try:
            server = ctx.openstack.boot_server(request)
        except (errors.BadRequest, errors.QuotaOrCapacity, errors.NotFound) as exc:
            return fail(state, ctx, m.ERROR, f"the server could not be booted: {exc.detail}")
        ctx.checkpoint("server_booted")
        state.server_id = server.id
    _to(state, m.BOOT, "boot", ctx.now)
    return WAIT


def wait_active(state: State, ctx: Context, timeout: float, setting: str) -> str:
    if extra_servers(state, ctx):
        return WAIT
    server = ctx.snapshot.server(state.server_id)
    if server is not None and server.status == "ERROR":
        return fail(state, ctx, m.ERROR, f"the server failed: {server.fault_message or 'ERROR'}")
    if server is not None and server.status == "ACTIVE" and server.task_state is None:
        state.private_ip = server.private_ip(ctx.settings.instances.private_network_name)
        if ctx.settings.instances.auto_assign_public_ip:
            state.phase = "address"
        else:
            _to(state, m.CONFIGURING, "ready", ctx.now)
        return CONTINUE
    if timed_out(state, ctx, timeout):
        reason = (
            f"not ACTIVE within {timeout:g} s (virtualization.{setting}); configuration aborted"
        )
        if setting == "boot_timeout" and state.server_id:
            # A server stuck in BUILD holds its host's capacity (and a GPU) until deleted: let
            # it go now; the boot volume stays, and a power cycle boots a new server from it.
            release_server(state, ctx)
            reason += "; its server was deleted to free its capacity (the boot volume is kept)"
        return fail(state, ctx, m.ERROR, reason)
    return WAIT


def release_server(state: State, ctx: Context) -> None:
    with contextlib.suppress(errors.NotFound):  # gone already
        ctx.openstack.delete_server(state.server_id)
    ctx.checkpoint("server_released")
    state.server_id = state.private_ip = None


def assign_address(state: State, ctx: Context) -> str:
    s = ctx.settings.instances
    adopt_floating_ip(state, ctx)
    if state.floating_ip_id is None:
        try:
            fip = ctx.openstack.allocate_floating_ip(s.floating_ip_pool_name, state.id)
        except errors.FloatingIPPoolExhausted as exc:
            return fail(state, ctx, m.FAILED, f"no public IP could be had: {exc.detail}")
        ctx.checkpoint("floating_ip_allocated")
        state.floating_ip_id = fip.id
        return CONTINUE
    fip = ctx.snapshot.floating_ip(state.floating_ip_id)
    if fip is None or fip.port_id is None:
        try:
            fip = ctx.openstack.associate_floating_ip(
                state.floating_ip_id, state.server_id, s.private_network_name
            )
        except (errors.NotFound, errors.FloatingIPAssociationLost) as exc:
            ctx.notes.append(f"floating IP association: {exc.detail}")
            if timed_out(state, ctx, s.boot_timeout):
                return fail(state, ctx, m.FAILED, f"no public IP could be bound: {exc.detail}")
            return WAIT
        ctx.checkpoint("floating_ip_associated")
    state.public_ip = fip.address
    _to(state, m.CONFIGURING, "ready", ctx.now)
    return CONTINUE


def wait_ready(state: State, ctx: Context) -> str:
    s = ctx.settings.instances
    if s.ready_check != "none":
        image = ctx.snapshot.image(state.image_id)
        address = state.public_ip or state.private_ip
        if not address or not ctx.probe(address, image.properties.get("service_url")):
            if timed_out(state, ctx, s.ready_timeout):
                what = "its service_url" if image.properties.get("service_url") else "ssh"
                return fail(
                    state, ctx, m.ERROR, f"{what} did not answer within {s.ready_timeout:g} s"
                )
            return WAIT
    if state.status == m.REBOOTING:
        if not state.reconfigure_pending:
            _to(state, m.ACTIVE, "", ctx.now)
            return SETTLED
        # The user list changed during the reboot: the running VM follows it now.
        state.reconfigure_pending = False
        _to(state, m.CONFIGURING, "configure", ctx.now)
        return CONTINUE
    state.phase = "configure"
    return CONTINUE


def configure(state: State, ctx: Context) -> str:
    s = ctx.settings.instances
    if s.configure_vms:
        image = ctx.snapshot.image(state.image_id)
        target = ConfigureTarget(
            instance_id=state.id,
            address=state.public_ip or state.private_ip or "",
            hostname=state.hostname,
            image_id=state.image_id,
            is_linux=is_linux(image),
            allowed_users=state.system_names,
            auto_mounts=dict(getattr(ctx.settings.storage, "nfs_auto_mounts", {}) or {}),
        )
        try:
            ctx.configurator.configure(target)
        except ConfigureError as exc:
            return fail(state, ctx, m.ERROR, f"configuration failed: {exc}")
        ctx.checkpoint("configured")
    _to(state, m.ACTIVE, "", ctx.now)
    state.open_interval = True
    return SETTLED


def reboot(state: State, ctx: Context) -> str:
    state.reboot_pending = False
    if state.server_id is None or state.status not in (m.REBOOTING, m.ACTIVE):
        return CONTINUE  # nothing runs: the request has nothing to act on
    try:
        ctx.openstack.reboot_server(state.server_id)
    except errors.Conflict:
        state.reboot_pending = True
        return WAIT
    except errors.NotFound:
        return fail(state, ctx, m.ERROR, "the server is gone; power the instance off and on")
    ctx.checkpoint("reboot_requested")
    _to(state, m.REBOOTING, "reboot", ctx.now)
    return WAIT


def wait_rebooted(state: State, ctx: Context) -> str:
    # A reboot step always ends the cycle (WAIT): the next cycle's list postdates it.
    timeout = ctx.settings.instances.reboot_timeout
    result = wait_active(state, ctx, timeout, "reboot_timeout")
    if result == CONTINUE:
        _to(state, m.REBOOTING, "ready", ctx.now)
    return result
