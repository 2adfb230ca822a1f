"""The per-VM user list a create or a change sends (``users``): parsed from the body, checked
against the controller's system users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from cloudcontroller.accounts.models import SystemUser
from common.errors import BadRequest


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
