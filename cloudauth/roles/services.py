"""Roles and permissions are data (seeded by migration); membership changes are audited and
drop the members' cached token checks, so new rights apply at once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from cloudauth.roles.models import Permission, Role, user_roles
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


def get_role(db: Session, role_id: int) -> Role:
    role = db.get(Role, role_id)
    if role is None:
        raise NotFound(f"no role {role_id}")
    return role


def get_permission(db: Session, permission_id: int) -> Permission:
    permission = db.get(Permission, permission_id)
    if permission is None:
        raise NotFound(f"no permission {permission_id}")
    return permission


def _user_model() -> type:
    # Reached through the members relationship, not imported: users build on roles (a new user
    # gets default roles), so roles importing users would be a cycle between the features.
    return sa_inspect(Role).relationships["members"].mapper.class_


def users_by_ids(db: Session, userids: list[str]) -> list:
    """The users with these ids (every one must exist)."""
    if not userids:
        raise BadRequest("parameter user_id is required")
    user = _user_model()
    users = list(db.scalars(select(user).where(user.id.in_(userids))))
    missing = set(userids) - {u.id for u in users}
    if missing:
        raise NotFound(f"no user {sorted(missing)[0]}")
    return users


def add_members(db: Session, role: Role, users: list) -> list:
    added = []
    for user in users:
        if role not in user.roles:
            user.roles.append(role)
            added.append(user)
    db.flush()
    return added


def remove_members(db: Session, role: Role, users: list) -> list:
    removed = [u for u in users if role in u.roles]
    if role.name == "superuser" and removed:
        holders = db.scalar(
            select(func.count()).select_from(user_roles).where(user_roles.c.role_id == role.id)
        )
        if holders - len(removed) < 1:
            raise Conflict("the last superuser cannot be removed from the superuser role")
    for user in removed:
        user.roles.remove(role)
    db.flush()
    return removed


def set_permission(db: Session, role: Role, permission: Permission, granted: bool) -> None:
    if role.name == "superuser" and not granted:
        raise Conflict("the superuser role keeps every permission")
    if granted and permission not in role.permissions:
        role.permissions.append(permission)
    elif not granted and permission in role.permissions:
        role.permissions.remove(permission)
    db.flush()
