"""Secondary UNIX groups (seed 1.9.5): only users of one account owner's domain (the owner and
their managed users) may share a group; with the LDAP driver, group changes are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudcontroller.accounts import ids
from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.accounts.names import valid_name
from cloudcontroller.accounts.undo import undo_all
from cloudcontroller.accounts.unix import UnixAccounts
from cloudcontroller.groups.models import GroupMember, SystemGroup
from common.errors import BadRequest, Conflict, Forbidden

if TYPE_CHECKING:  # cloudcontroller.settings imports the features' settings
    from cloudcontroller.settings import ControllerSettings


def require_local(settings) -> UnixAccounts:
    if not settings.users.manages_unix:
        raise Conflict(
            "group changes are disabled: UNIX users and groups come from LDAP/AD "
            "(users.driver = ldap)"
        )
    return UnixAccounts(settings.users)


Visible = Callable[[str], bool]  # whether the caller may act for this Cloud Auth user


class GroupService:
    """System groups: create, set members, delete, in etc/group and the controller's rows. The
    caller says whom it may act for (``visible``, from ``common.ownership``): members it may not
    see are unknown users."""

    def __init__(self, db: Session, settings: ControllerSettings, cloudauth, cache):
        self.db, self.settings, self.cloudauth, self.cache = db, settings, cloudauth, cache

    def domain_of(self, cloudauth_id: str) -> str:
        """The account owner whose domain the user is in (the owner, or the user themself)."""
        key = f"domain:{cloudauth_id}"
        cached = self.cache.get(key)
        if cached is None:
            data = self.cloudauth.service_call("GET", f"/user/view/{cloudauth_id}")
            cached = data["data"].get("owner_userid") or cloudauth_id
            self.cache.set(key, cached, 60)
        return cached

    def _members(
        self, group: SystemGroup, user_ids: list[str], visible: Visible
    ) -> list[SystemUser]:
        members = []
        for user_id in dict.fromkeys(user_ids):
            su = self.db.get(SystemUser, user_id)
            if su is None or not visible(su.cloudauth_id):
                raise BadRequest(f"no system user {user_id}")
            if self.domain_of(su.cloudauth_id) != group.domain_id:
                raise Forbidden(
                    f"{su.system_name} is not in this group's account owner's domain: only an "
                    "account owner and their managed users may share a group"
                )
            members.append(su)
        return members

    def _sync_unix(self, unix: UnixAccounts, users: list[SystemUser]) -> None:
        """Set each user's secondary groups in etc/group to what the database says."""
        for su in users:
            names = self.db.scalars(
                select(SystemGroup.group_name)
                .join(GroupMember, GroupMember.group_id == SystemGroup.id)
                .where(GroupMember.user_id == su.id)
            )
            unix.set_secondary_groups(su.system_name, list(names))

    def create_group(
        self, owner_id: str, name: str, member_ids: list[str], visible: Visible
    ) -> SystemGroup:
        settings, db = self.settings, self.db
        unix = require_local(settings)
        if not visible(owner_id):
            raise Forbidden("you may create groups only for yourself or your managed users")
        valid_name(name, "group-name")
        if db.scalar(select(SystemGroup).where(SystemGroup.group_name == name)) or name in (
            unix.groups()
        ):
            raise Conflict(f"group name {name} is taken")
        us = settings.users
        gid = ids.allocate(db, "group", name, us.uid_min, us.uid_max, unix.taken_ids())
        group = SystemGroup(cloudauth_id=owner_id, domain_id=self.domain_of(owner_id))
        group.group_name, group.gid = name, gid
        db.add(group)
        db.flush()
        members = self._members(group, member_ids, visible)
        db.add_all(GroupMember(group_id=group.id, user_id=su.id) for su in members)
        db.flush()
        undo: list = []
        try:
            unix.add_group(name, gid)
            undo.append(lambda: unix.delete_group(name))
            self._sync_unix(unix, members)
            unix.publish()
        except BaseException:
            undo_all(undo)
            raise
        return group

    def set_members(self, group: SystemGroup, member_ids: list[str], visible: Visible) -> None:
        unix = require_local(self.settings)
        db = self.db
        members = self._members(group, member_ids, visible)
        old = list(db.scalars(select(GroupMember).where(GroupMember.group_id == group.id)))
        touched = {m.user_id for m in old} | {su.id for su in members}
        for row in old:
            db.delete(row)
        db.flush()
        db.add_all(GroupMember(group_id=group.id, user_id=su.id) for su in members)
        db.flush()
        self._sync_unix(unix, [db.get(SystemUser, uid) for uid in sorted(touched)])
        unix.publish()

    def delete_group(self, group: SystemGroup) -> None:
        unix = require_local(self.settings)
        db = self.db
        old = list(db.scalars(select(GroupMember).where(GroupMember.group_id == group.id)))
        for row in old:
            db.delete(row)
        db.delete(group)
        db.flush()
        self._sync_unix(unix, [db.get(SystemUser, m.user_id) for m in old])
        unix.delete_group(group.group_name)
        unix.publish()


def group_json(db, group: SystemGroup) -> dict:
    members = db.scalars(
        select(GroupMember.user_id)
        .where(GroupMember.group_id == group.id)
        .order_by(GroupMember.user_id)
    )
    return {
        "group-id": group.id,
        "cloudauth-id": group.cloudauth_id,
        "group-name": group.group_name,
        "gid": group.gid,
        "group-members": list(members),
    }
