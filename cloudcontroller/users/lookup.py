"""Find the system account of a Cloud Auth user (used by server-instances; keep stable)."""

from __future__ import annotations

from sqlalchemy import select

from cloudcontroller.users.models import SystemUser


def system_user_for(db, cloudauth_id: str) -> SystemUser | None:
    """The controller's system account for this Cloud Auth user, or None."""
    return db.execute(
        select(SystemUser).where(SystemUser.cloudauth_id == cloudauth_id)
    ).scalar_one_or_none()
