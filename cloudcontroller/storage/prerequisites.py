"""What another feature (server-instances) asks of storage before it acts (seed 1.9.6): is
``$HOME`` storage managed on this controller, and does a user have an active volume.

Signatures are a contract with the server-instance feature; keep them stable.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select


def storage_managed(settings: Any) -> bool:
    """True when ``storage.driver`` is set (not ``none``).

    ``settings`` is the :class:`~cloudcontroller.settings.ControllerSettings` (or its
    ``storage`` field, a :class:`~cloudcontroller.storage.settings.StorageSettings`)."""
    storage = getattr(settings, "storage", settings)
    return getattr(storage, "driver", None) not in (None, "", "none")


def has_active_volume(db, cloudauth_id: str) -> bool:
    """True when the Cloud Auth user owns a storage volume in the ``active`` state."""
    from cloudcontroller.storage.models import StorageVolume

    found = db.execute(
        select(StorageVolume.id)
        .where(StorageVolume.cloudauth_id == cloudauth_id, StorageVolume.status == "active")
        .limit(1)
    ).first()
    return found is not None
