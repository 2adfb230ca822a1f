"""Shared-pool user storage (seed 1.9.7, 1.9.9): per-user quotas and daily usage samples."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudcontroller.accounts.commands import run
from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.user_storage.models import UserStorageQuota, UserStorageUsage
from cloudcontroller.user_storage.scan import scan_pool
from cloudcontroller.user_storage.settings import UserStorageSettings
from common.clock import Clock
from common.envelope import utc_text
from common.errors import Conflict


class UserStorageService:
    """Shared-pool user storage: quotas set through the API and the usage samples
    ``record_user_storage`` writes."""

    def __init__(self, db: Session, settings: UserStorageSettings, clock: Clock):
        self.db, self.settings, self.clock = db, settings, clock

    def set_quota(self, su: SystemUser, quota_bytes: int) -> UserStorageQuota:
        """Set the user's quota (on Lustre with ``lfs setquota`` first) and record it."""
        db, settings, now = self.db, self.settings, self.clock()
        if settings.pool is None:
            raise Conflict("no shared storage pool is configured (user_storage.pool)")
        if settings.quota_driver == "lustre":
            kb = -(-quota_bytes // 1024)
            run(
                [*settings.lfs, "setquota", "-u", su.system_name, "-B", f"{kb}k", settings.pool],
                settings.command_timeout,
            )
        row = db.get(UserStorageQuota, su.id)
        if row is None:
            row = UserStorageQuota(user_id=su.id, cloudauth_id=su.cloudauth_id, quota_bytes=0)
            db.add(row)
        row.quota_bytes, row.updated_at = quota_bytes, now
        db.flush()
        return row

    def record(self, pool: str, usage: dict[str, int]) -> int:
        """One sample per user for this run; the day's earlier samples of the pool are replaced, so
        a rerun the same day never counts twice."""
        db, now = self.db, self.clock()
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        db.execute(
            UserStorageUsage.__table__.delete().where(
                UserStorageUsage.pool == pool,
                UserStorageUsage.recorded_at >= day,
                UserStorageUsage.recorded_at < day + dt.timedelta(days=1),
            )
        )
        owners = (
            dict(
                db.execute(
                    select(SystemUser.system_name, SystemUser.cloudauth_id).where(
                        SystemUser.system_name.in_(list(usage))
                    )
                ).all()
            )
            if usage
            else {}
        )
        db.add_all(
            UserStorageUsage(
                cloudauth_id=owners.get(name),
                system_name=name,
                pool=pool[:255],
                bytes_used=used,
                recorded_at=now,
            )
            for name, used in sorted(usage.items())
        )
        db.flush()
        return len(usage)


def usage_json(db, su: SystemUser) -> dict:
    quota = db.get(UserStorageQuota, su.id)
    last = db.scalars(
        select(UserStorageUsage)
        .where(UserStorageUsage.system_name == su.system_name)
        .order_by(UserStorageUsage.recorded_at.desc(), UserStorageUsage.id.desc())
        .limit(1)
    ).first()
    return {
        "user-id": su.id,
        "cloudauth-id": su.cloudauth_id,
        "system-name": su.system_name,
        "quota-bytes": quota.quota_bytes if quota else None,
        "used-bytes": last.bytes_used if last else None,
        "recorded-at": utc_text(last.recorded_at) if last else None,
        "pool": last.pool if last else None,
    }


def usage_from_report(settings: UserStorageSettings) -> dict[str, int]:
    """``<user> <bytes>`` lines from the configured report command (a quota report)."""
    out = {}
    for line in run(settings.usage_report, settings.command_timeout).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def usage_by_name(pool: str, workers: int, names_by_uid: dict[int, str]) -> dict[str, int]:
    by_uid = scan_pool(pool, workers)
    return {names_by_uid.get(uid, str(uid))[:32]: used for uid, used in by_uid.items()}


def known_uids(db) -> dict[int, str]:
    stmt = select(SystemUser.uid, SystemUser.system_name).where(SystemUser.uid.is_not(None))
    return {uid: name for uid, name in db.execute(stmt).all()}
