"""Roles and permissions are data (seeded by migration); membership changes are audited and
drop the members' cached token checks, so new rights apply at once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from cloudauth.audit.services import AuditLog
from cloudauth.roles.models import Permission, Role, user_roles
from cloudauth.tokenstore.services import TokenRevocation
from common.errors import BadRequest, Conflict, NotFound


def role_json(role: Role) -> dict:
    return {
        "id": role.id,
        "name": role.name,
        "description": role.description,
        "scope": role.scope,
        "permissions": [p.name for p in role.permissions],
    }


def permission_json(p: Permission) -> dict:
    return {"id": p.id, "name": p.name, "description": p.description, "object_type": p.object_type}


def _user_model() -> type:
    # Reached through the members relationship, not imported: users build on roles (a new user
    # gets default roles), so roles importing users would be a cycle between the features.
    return sa_inspect(Role).relationships["members"].mapper.class_


class RoleService:
    """Roles, their members and permissions. Every change drops the affected users' cached
    token checks (new rights apply at once) and is audited as done by ``actor``."""

    def __init__(self, db: Session, revocation: TokenRevocation, audit: AuditLog):
        self.db, self.revocation, self.audit = db, revocation, audit

    def list_roles(self) -> list[Role]:
        return list(self.db.scalars(select(Role).order_by(Role.id)))

    def list_permissions(self) -> list[Permission]:
        return list(self.db.scalars(select(Permission).order_by(Permission.name)))

    def get_role(self, role_id: int) -> Role:
        role = self.db.get(Role, role_id)
        if role is None:
            raise NotFound(f"no role {role_id}")
        return role

    def get_permission(self, permission_id: int) -> Permission:
        permission = self.db.get(Permission, permission_id)
        if permission is None:
            raise NotFound(f"no permission {permission_id}")
        return permission

    def users_by_ids(self, userids: list[str]) -> list:
        """The users with these ids (every one must exist)."""
        if not userids:
            raise BadRequest("parameter user_id is required")
        user = _user_model()
        users = list(self.db.scalars(select(user).where(user.id.in_(userids))))
        missing = set(userids) - {u.id for u in users}
        if missing:
            raise NotFound(f"no user {sorted(missing)[0]}")
        return users

    def add_members(self, actor: str, role: Role, userids: list[str]) -> list:
        """The users (of ``userids``) who were not members and now are."""
        added = []
        for user in self.users_by_ids(userids):
            if role not in user.roles:
                user.roles.append(role)
                added.append(user)
        self.db.flush()
        self._members_changed(actor, role, added, "role.member_added")
        return added

    def remove_members(self, actor: str, role: Role, userids: list[str]) -> list:
        """The users (of ``userids``) who were members and no longer are; the superuser role
        keeps at least one member."""
        removed = [u for u in self.users_by_ids(userids) if role in u.roles]
        if role.name == "superuser" and removed:
            holders = self.db.scalar(
                select(func.count()).select_from(user_roles).where(user_roles.c.role_id == role.id)
            )
            if holders - len(removed) < 1:
                raise Conflict("the last superuser cannot be removed from the superuser role")
        for user in removed:
            user.roles.remove(role)
        self.db.flush()
        self._members_changed(actor, role, removed, "role.member_removed")
        return removed

    def _members_changed(self, actor: str, role: Role, users: list, event: str) -> None:
        for user in users:
            self.revocation.forget_cached(user.id)
            self.audit.record(event, actor=actor, subject=user.id, detail=role.name)

    def set_permission(self, actor: str, role: Role, permission: Permission, granted: bool) -> None:
        if role.name == "superuser" and not granted:
            raise Conflict("the superuser role keeps every permission")
        if granted and permission not in role.permissions:
            role.permissions.append(permission)
        elif not granted and permission in role.permissions:
            role.permissions.remove(permission)
        self.db.flush()
        for user in role.members:
            self.revocation.forget_cached(user.id)
        self.audit.record(
            "role.permission_granted" if granted else "role.permission_revoked",
            actor=actor,
            detail=f"{role.name}:{permission.name}",
        )
