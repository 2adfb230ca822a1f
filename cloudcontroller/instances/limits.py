"""What a create and a power-on must both pass before a Nova server is asked for: the owner's
cap on the flavor (``virtualization.flavor_caps``), and a free GPU for a GPU flavor."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.instances import models as m
from cloudcontroller.instances.gpu import free_gpus
from cloudcontroller.instances.settings import InstanceSettings
from cloudcontroller.openstack import errors as os_errors
from common.errors import Conflict


def check_flavor_limits(db, s: InstanceSettings, openstack, owner: str, flavor) -> None:
    """409 before anything changes when the owner's cap on ``flavor`` is reached or no GPU is
    free for a GPU flavor."""
    cap = s.flavor_caps.get(flavor.id, s.flavor_caps.get(flavor.name))
    if cap is not None:
        check_cap(db, owner, flavor.id, cap)
    if flavor.wants_gpu and s.gpu_query:
        check_free_gpus(db, s, openstack, flavor)


def check_cap(db, owner: str, flavor_id: str, cap: int) -> None:
    """Refuse a create or power-on beyond ``virtualization.flavor_caps``: how many servers of a
    flavor a user can *run* (seed 1.9.8), so only instances holding or getting a Nova server
    count; a STOPPED one holds none, nor does one whose failed boot released its server. The
    owner's system-user row is locked first, so two requests of one owner count one after the
    other (on MySQL; SQLite's writers are serialised anyway), and the count is a locking read: it
    sees the other's committed change, not the snapshot of an earlier read."""
    db.execute(select(SystemUser.id).where(SystemUser.cloudauth_id == owner).with_for_update())
    t = m.ServerInstance
    running = db.scalar(
        select(func.count())
        .select_from(t)
        .where(
            t.cloudauth_id == owner,
            t.flavor_id == flavor_id,
            t.desired != m.GONE,
            or_(
                t.server_id.is_not(None),
                and_(t.desired == m.ON, t.status.not_in((m.ERROR, m.FAILED, m.STOPPED))),
            ),
        )
        .with_for_update(read=True)
    )
    if running >= cap:
        raise Conflict(
            f"server-flavor {flavor_id} is capped at {cap} per user"
            " (virtualization.flavor_caps); delete one first"
        )


def gpus_of(flavor) -> int:
    return flavor.gpu_request[1] if flavor.gpu_request else 1


def check_free_gpus(db, s: InstanceSettings, openstack, flavor) -> None:
    """Refuse a GPU flavor when Nova's free devices (``openstack.gpu_query``) do not cover it.
    Nova claims a device only when it builds the server, so the GPUs of this controller's
    instances that are still on their way to a server count as taken too; the ``gpu`` lock row
    keeps two creates from counting the same device."""
    db.execute(
        select(m.ControllerLock.name).where(m.ControllerLock.name == "gpu").with_for_update()
    )
    t = m.ServerInstance
    waiting = db.execute(
        select(t.flavor_id, func.count())
        .where(t.desired == m.ON, t.server_id.is_(None), t.status.in_((m.BUILD, m.STARTING)))
        .group_by(t.flavor_id)
        .with_for_update(read=True)
    ).all()
    claimed = 0
    for flavor_id, count in waiting:
        try:
            other = flavor if flavor_id == flavor.id else openstack.get_flavor(flavor_id)
        except os_errors.NotFound:
            continue
        if other.wants_gpu:
            claimed += gpus_of(other) * count
    wanted = gpus_of(flavor)
    free = max(0, free_gpus(s.gpu_query, s.gpu_pci_ids) - claimed)
    if free < wanted:
        raise Conflict(
            f"no free GPU for server-flavor {flavor.name}: {free} available"
            f" ({claimed} promised to instances still starting), {wanted} needed;"
            " try again later or choose a flavor without a GPU"
        )
