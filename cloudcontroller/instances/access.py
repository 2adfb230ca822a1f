"""Who may see and act on a server-instance: the caller's side of the request, used by the views
before they call the service (the owner rule of ``common.ownership``, plus the per-VM grants)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from cloudcontroller.accounts.lookup import system_user_for
from cloudcontroller.instances import models as m
from common.errors import NotFound
from common.ownership import can_see, visible_owner_ids


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
