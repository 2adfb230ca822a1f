"""Server-instances as the API sees them: create (with its refusals), visibility and access,
power changes, the per-VM user list, delete. The worker does the OpenStack work; these only
write the desired state (bumping the generation) and the status the user sees at once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, func, or_, select

from cloudcontroller.accounts.lookup import system_user_for
from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.images.services import requester, usable_image
from cloudcontroller.instances import models as m
from cloudcontroller.instances.gpu import free_gpus
from cloudcontroller.openstack import errors as os_errors
from cloudcontroller.storage.prerequisites import has_active_volume, storage_managed
from common.envelope import utc_text
from common.errors import BadRequest, Conflict, Forbidden, NotFound
from common.ownership import can_see, visible_owner_ids
from common.params import is_openstack_id

# -- shapes ----------------------------------------------------------------------------------
# The columns an instance's JSON shows: a listing reads only these.
LISTED = (
    "id",
    "cloudauth_id",
    "image_id",
    "flavor_id",
    "created_at",
    "status",
    "desired",
    "hostname",
    "public_ip",
    "private_ip",
    "status_reason",
    "deleted_at",
)  # "id" first: list_json_text reads it as row[0]
LIST_BATCH = 100  # instances encoded at a time by list_json_text


def instance_json(inst: m.ServerInstance) -> dict:
    grants = [(u.user_id, u.can_power, u.can_delete) for u in inst.users]
    return shape(*[getattr(inst, name) for name in LISTED], grants)


def shape(
    id,
    cloudauth_id,
    image_id,
    flavor_id,
    created_at,
    status,
    desired,
    hostname,
    public_ip,
    private_ip,
    status_reason,
    deleted_at,
    grants,
) -> dict:
    """An instance as the API shows it, from its ``LISTED`` columns in order (a listing's
    plain rows unpack into these at a tenth of the cost of reading them by name) and its users'
    (user id, power, delete) in order."""
    body = {
        "id": id,
        "cloudauth-id": cloudauth_id,
        "users": [g[0] for g in grants],
        "user-permissions": [{"user-id": g[0], "power": g[1], "delete": g[2]} for g in grants],
        "server-image": image_id,
        "server-flavor": flavor_id,
        "creation-date": utc_text(created_at),
        "status": status,
        "power": desired,
    }
    if hostname:
        body["hostname"] = hostname
    if public_ip:
        body["public-ip"] = public_ip
    if private_ip:
        body["private-ip"] = private_ip
    if status_reason:
        body["status-reason"] = status_reason
    if deleted_at:
        body["deletion-date"] = utc_text(deleted_at)
    return body


@dataclass(frozen=True)
class UserGrant:
    user_id: str
    can_power: bool
    can_delete: bool


def parse_users(value: Any) -> list[UserGrant]:
    """``users``: controller user ids, or objects ``{"user-id", "power", "delete"}``."""
    if not isinstance(value, list) or len(value) > 1000:
        raise BadRequest("users must be a list of user ids or {user-id, power, delete} objects")
    grants: dict[str, UserGrant] = {}
    for item in value:
        if isinstance(item, str):
            item = {"user-id": item}
        if not isinstance(item, dict) or not isinstance(item.get("user-id"), str):
            raise BadRequest("each user is a user id or an object with user-id")
        flags = [item.get("power", False), item.get("delete", False)]
        if not all(isinstance(f, bool) for f in flags):
            raise BadRequest("power and delete are true or false")
        uid = item["user-id"]
        if not uid or len(uid) > 32:
            raise BadRequest(f"no user {uid!r}")
        grants[uid] = UserGrant(uid, *flags)
    return list(grants.values())


def check_users_exist(db, grants: list[UserGrant]) -> None:
    ids = [g.user_id for g in grants]
    if not ids:
        return
    found = set(db.scalars(select(SystemUser.id).where(SystemUser.id.in_(ids))))
    missing = sorted(set(ids) - found)
    if missing:
        raise BadRequest(f"no such user: {', '.join(missing)}")


def list_json_text(db, query) -> str:
    """The instances ``query`` selects, as the API shows them, encoded as a JSON array (the
    text ``json.dumps`` writes for the list of their ``instance_json``).

    Two Core queries (the ``LISTED`` columns, and the user lists of the same rows), read row by
    row and encoded ``LIST_BATCH`` instances at a time: a listing of a thousand never holds a
    thousand rows and dicts at once. Holding them made every such request run ~10 collections
    of the garbage collector, and every ~10th a full one, the slow tail of the listing
    (bench/controller_instances.py: ~20 ms of CPU, p95 30+, now ~11)."""
    t = m.ServerInstance.__table__.c
    u = m.InstanceUser.__table__.c
    run = db.connection().execute  # Core rows: the ORM's row processing is not needed here
    grants: dict[str, tuple] = {}
    users = run(
        select(u.instance_id, u.user_id, u.can_power, u.can_delete)
        .where(u.instance_id.in_(query.with_only_columns(t.id)))
        .order_by(u.instance_id, u.id)
    )
    for instance_id, rows in groupby(users, itemgetter(0)):
        grants[instance_id] = tuple(row[1:] for row in rows)
    parts, batch = [], []
    for row in run(query.with_only_columns(*[t[c] for c in LISTED]).order_by(t.created_at, t.id)):
        batch.append(shape(*row, grants.get(row[0], ())))
        if len(batch) == LIST_BATCH:
            parts.append(json.dumps(batch)[1:-1])
            batch.clear()
    if batch:
        parts.append(json.dumps(batch)[1:-1])
    return "[" + ", ".join(parts) + "]"


# -- visibility and access -------------------------------------------------------------------
def caller_user_id(request) -> str | None:
    account = system_user_for(request.db, request.identity.userid)
    return account.id if account else None


def visible_query(request):
    owners = visible_owner_ids(request)
    query = select(m.ServerInstance)
    if owners is None:
        return query
    me = caller_user_id(request)
    condition = m.ServerInstance.cloudauth_id.in_(owners)
    if me:
        granted = select(m.InstanceUser.instance_id).where(m.InstanceUser.user_id == me)
        condition = or_(condition, m.ServerInstance.id.in_(granted))
    return query.where(condition)


@dataclass(frozen=True)
class Access:
    manage: bool  # owner, their account owner, superuser: everything
    power: bool
    delete: bool


def access(request, inst: m.ServerInstance) -> Access:
    """What the caller may do; NotFound when they may not even see the instance."""
    if can_see(request, inst.cloudauth_id):
        return Access(True, True, True)
    me = caller_user_id(request)
    grant = next((u for u in inst.users if me and u.user_id == me), None)
    if grant is None:
        raise NotFound(f"no server-instance {inst.id}")
    return Access(False, grant.can_power, grant.can_delete)


def get_instance(request, instance_id: str) -> tuple[m.ServerInstance, Access]:
    inst = request.db.get(m.ServerInstance, instance_id)
    if inst is None:
        raise NotFound(f"no server-instance {instance_id}")
    return inst, access(request, inst)


# -- create ----------------------------------------------------------------------------------
def create(request, body: dict) -> m.ServerInstance:
    settings = request.registry["scm.settings"]
    s = settings.instances
    db = request.db
    image_id, flavor_ref = body.get("server-image"), body.get("server-flavor")
    for name, value in (("server-image", image_id), ("server-flavor", flavor_ref)):
        if not value:
            raise BadRequest(f"{name} is required")
        if not is_openstack_id(value) or len(value) > 64:
            # checked before it goes into an OpenStack URL: ".." would climb the path
            raise BadRequest(f"{name} must be an OpenStack id, not {str(value)[:40]!r}")
    owner = body.get("cloudauth-id") or request.identity.userid
    if not isinstance(owner, str) or len(owner) > 32:
        raise BadRequest("cloudauth-id must be a Cloud Auth user id")
    if not can_see(request, owner):
        raise Forbidden("you may not create server-instances for that user")
    grants = parse_users(body.get("users", []))
    check_users_exist(db, grants)
    if system_user_for(db, owner) is None:
        raise Conflict("the user has no system account on this controller: create one (/user)")
    if storage_managed(settings) and not has_active_volume(db, owner):
        raise Conflict("the user has no active storage volume: create one (/storage-volume)")
    try:
        flavor = request.openstack.get_flavor(flavor_ref)
    except os_errors.NotFound:
        raise BadRequest(f"no server-flavor {flavor_ref}") from None
    sees_all, names = requester(db, request.identity)
    usable_image(request.openstack, image_id, sees_all, names)
    check_flavor_limits(request, owner, flavor)
    inst = m.ServerInstance(
        id=m.new_uuid(),
        cloudauth_id=owner,
        image_id=image_id,
        flavor_id=flavor.id,
        desired=m.ON,
        status=m.BUILD,
        phase="",
        pending=True,
        generation=1,
        reboot_pending=False,
        reconfigure_pending=False,
        created_at=request.now,
        updated_at=request.now,
    )
    inst.hostname = s.hostname_prefix + inst.id[: s.hostname_uuid_uniq_chars]
    inst.users = [
        m.InstanceUser(user_id=g.user_id, can_power=g.can_power, can_delete=g.can_delete)
        for g in grants
    ]
    db.add(inst)
    db.flush()
    return inst


def check_flavor_limits(request, owner: str, flavor) -> None:
    """What a create and a power-on must both pass before a Nova server is asked for: the
    owner's cap on the flavor, and a free GPU for a GPU flavor (409 before anything changes)."""
    s = request.registry["scm.settings"].instances
    cap = s.flavor_caps.get(flavor.id, s.flavor_caps.get(flavor.name))
    if cap is not None:
        check_cap(request.db, owner, flavor.id, cap)
    if flavor.wants_gpu and s.gpu_query:
        check_free_gpus(request, flavor)


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


def check_free_gpus(request, flavor) -> None:
    """Refuse a GPU flavor when Nova's free devices (``openstack.gpu_query``) do not cover it.
    Nova claims a device only when it builds the server, so the GPUs of this controller's
    instances that are still on their way to a server count as taken too; the ``gpu`` lock row
    keeps two creates from counting the same device."""
    s = request.registry["scm.settings"].instances
    db = request.db
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
            other = flavor if flavor_id == flavor.id else request.openstack.get_flavor(flavor_id)
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


# -- changes ---------------------------------------------------------------------------------
def _bump(request, inst: m.ServerInstance, **values) -> None:
    for key, value in values.items():
        setattr(inst, key, value)
    inst.generation += 1
    inst.pending = True
    inst.updated_at = request.now


def change_power(request, inst: m.ServerInstance, power: str) -> None:
    if inst.desired == m.GONE:
        raise Conflict("the server-instance is deleted")
    if power == "on":
        if inst.desired == m.ON:
            return
        if inst.status != m.STOPPED:
            raise Conflict(f"the server-instance is {inst.status}; power it on once STOPPED")
        try:
            flavor = request.openstack.get_flavor(inst.flavor_id)
        except os_errors.NotFound:
            raise Conflict(f"server-flavor {inst.flavor_id} no longer exists") from None
        check_flavor_limits(request, inst.cloudauth_id, flavor)
        _bump(request, inst, desired=m.ON, status=m.STARTING, phase="", status_reason=None)
    elif power == "off":
        if inst.desired == m.OFF:
            return
        m.close_power_interval(request.db, inst.id, request.now)
        _bump(
            request,
            inst,
            desired=m.OFF,
            status=m.STOPPING,
            phase="",
            status_reason=None,
            reboot_pending=False,
            reconfigure_pending=False,  # a power on configures it anyway
        )
    elif power == "reboot":
        if inst.status not in (m.ACTIVE, m.REBOOTING) or inst.desired != m.ON:
            raise Conflict(f"the server-instance is {inst.status}; only an ACTIVE one reboots")
        _bump(request, inst, reboot_pending=True, status=m.REBOOTING, status_reason=None)
    else:
        raise BadRequest("power must be on, off or reboot")


def set_users(request, inst: m.ServerInstance, grants: list[UserGrant]) -> None:
    check_users_exist(request.db, grants)
    # The list sent is the result, however often it is sent: rows of users still listed are
    # updated in place, not deleted and inserted again (the flush would insert the new row
    # before deleting the old one and break the (instance, user) unique key).
    current = {u.user_id: u for u in inst.users}
    wanted = {g.user_id for g in grants}
    for user in list(inst.users):
        if user.user_id not in wanted:
            inst.users.remove(user)
    request.db.flush()
    for g in grants:
        row = current.get(g.user_id)
        if row is None:
            inst.users.append(
                m.InstanceUser(user_id=g.user_id, can_power=g.can_power, can_delete=g.can_delete)
            )
        else:
            row.can_power, row.can_delete = g.can_power, g.can_delete
    if inst.status == m.ACTIVE and inst.desired == m.ON:
        # The sshd AllowUsers lines follow the list: configure the running VM again.
        _bump(request, inst, status=m.CONFIGURING, phase="configure")
    elif inst.status == m.CONFIGURING and inst.desired == m.ON:
        # A configuration may be running with the old list: the generation bump makes the
        # worker's write of its result fail, so it re-reads the list and configures again.
        _bump(request, inst)
    elif inst.status == m.REBOOTING and inst.desired == m.ON:
        # Not now (the VM is going down); once it answers again.
        _bump(request, inst, reconfigure_pending=True)
    request.db.flush()


def delete(request, inst: m.ServerInstance) -> None:
    if inst.desired == m.GONE:
        return
    m.close_power_interval(request.db, inst.id, request.now)
    _bump(
        request,
        inst,
        desired=m.GONE,
        status=m.DELETING,
        phase="",
        reboot_pending=False,
        reconfigure_pending=False,
    )
