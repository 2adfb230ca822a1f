"""$HOME storage volumes: create (all steps or none), list, delete; allocation spans for the
accountant."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.accounts.settings import UserSettings
from cloudcontroller.accounts.undo import undo_all
from cloudcontroller.storage.drivers import HomeStorage
from cloudcontroller.storage.models import StorageAllocation, StorageVolume
from cloudcontroller.storage.settings import StorageSettings
from common.clock import Clock
from common.envelope import utc_text
from common.errors import Conflict

VOLUME_TYPE = {"name": "home", "description": "the user's $HOME directory"}
GB = 1024**3


def volume_json(v: StorageVolume) -> dict:
    return {
        "volume-id": v.id,
        "cloudauth-id": v.cloudauth_id,
        "user-id": v.user_id,
        "volume-name": v.path,
        "volume-size": v.size_bytes // GB,
        "volume-type": VOLUME_TYPE,
        "status": v.status,
        "creation-date": utc_text(v.created_at),
    }


def require_enabled(settings: StorageSettings) -> None:
    if not settings.enabled:
        raise Conflict("storage volumes are not managed on this controller (storage.driver none)")


class StorageService:
    """$HOME storage volumes: create (every step or none) and delete, with the allocation spans
    the accountant bills. The caller has checked that it may act for the volume's user."""

    def __init__(self, db: Session, settings: StorageSettings, users: UserSettings, clock: Clock):
        self.db, self.settings, self.users, self.clock = db, settings, users, clock

    def create_volume(self, su: SystemUser, size_gb: int | None) -> StorageVolume:
        """The user's $HOME, every step done or, on failure, every step undone."""
        db, settings, now = self.db, self.settings, self.clock()
        require_enabled(settings)
        if db.scalar(select(StorageVolume).where(StorageVolume.user_id == su.id)) is not None:
            raise Conflict(f"{su.system_name} already has a storage volume")
        driver = HomeStorage(settings)
        volume = StorageVolume(
            cloudauth_id=su.cloudauth_id,
            user_id=su.id,
            driver=settings.driver,
            path=driver.home_path(su.system_name),
            size_bytes=driver.size_bytes(size_gb),
            status="active",
            created_at=now,
        )
        db.add(volume)
        db.flush()  # the unique user_id stops a second, concurrent create here
        db.add(
            StorageAllocation(
                volume_id=volume.id,
                cloudauth_id=su.cloudauth_id,
                size_bytes=volume.size_bytes,
                started_at=now,
            )
        )
        undo: list = []
        try:
            driver.create(su.system_name, su.uid, su.gid, size_gb, undo)
            db.flush()
        except BaseException:
            undo_all(undo)
            raise
        return volume

    def delete_volume(self, volume: StorageVolume) -> None:
        db, settings, now = self.db, self.settings, self.clock()
        su = db.get(SystemUser, volume.user_id)
        name = su.system_name if su else volume.path.rstrip("/").rsplit("/", 1)[-1]
        HomeStorage(settings).delete(name, volume.path)
        for span in db.scalars(
            select(StorageAllocation).where(
                StorageAllocation.volume_id == volume.id, StorageAllocation.ended_at.is_(None)
            )
        ):
            span.ended_at = now
        db.delete(volume)
        db.flush()


def volume_for_user(db, user_id: str) -> StorageVolume | None:
    return db.scalar(select(StorageVolume).where(StorageVolume.user_id == user_id))
