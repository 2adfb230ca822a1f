"""Finding system accounts: by Cloud Auth user (used by server-instances; keep stable), and the
one a caller names and may see."""

from __future__ import annotations

from sqlalchemy import select

from cloudcontroller.accounts.models import SystemUser
from common.errors import BadRequest, NotFound
from common.ownership import can_see


def system_user_for(db, cloudauth_id: str) -> SystemUser | None:
    """The controller's system account for this Cloud Auth user, or None."""
    return db.execute(
        select(SystemUser).where(SystemUser.cloudauth_id == cloudauth_id)
    ).scalar_one_or_none()


def get_visible_user(request, user_id: str | None, cloudauth_id: str | None = None) -> SystemUser:
    """The system user named by its user-id (or its Cloud Auth id), when the caller sees it."""
    if user_id:
        su = request.db.get(SystemUser, user_id)
    elif cloudauth_id:
        su = request.db.scalar(select(SystemUser).where(SystemUser.cloudauth_id == cloudauth_id))
    else:
        raise BadRequest("user-id is required")
    if su is None or not can_see(request, su.cloudauth_id):
        raise NotFound(f"no system user {user_id or cloudauth_id}")
    return su
