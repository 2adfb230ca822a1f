"""Cloud Controller settings, parsed once from ``cloudcontroller.ini`` into a frozen object.

Each feature owns a frozen dataclass for its own settings (``<feature>/settings.py``, built from
a :class:`common.settings.Raw`) and adds it as one field here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudcontroller.accounts.settings import UserSettings
from cloudcontroller.instances.settings import InstanceSettings
from cloudcontroller.openstack.settings import OpenStackSettings
from cloudcontroller.storage.settings import StorageSettings
from cloudcontroller.user_storage.settings import UserStorageSettings
from common.cloudauth_client import CloudAuthClientSettings
from common.settings import Raw

VERSION = "3.1.0"


@dataclass(frozen=True)
class ControllerSettings:
    # This controller's id in Cloud Auth's registry (1, 2, ...; seed 1.10.3).
    cloud_controller_id: int
    cloudauth: CloudAuthClientSettings
    token_cache_ttl: float
    openstack: OpenStackSettings
    instances: InstanceSettings
    users: UserSettings
    storage: StorageSettings
    user_storage: UserStorageSettings

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> ControllerSettings:
        r = Raw(raw)
        return cls(
            cloud_controller_id=r.int("cloud_controller_id", 1, minimum=1),
            cloudauth=CloudAuthClientSettings(
                url=r.str("cloudauth.url"),
                timeout=r.duration("cloudauth.timeout", 5),
                verify_tls=r.tls_verify("cloudauth.verify_tls", ca_file_key="cloudauth.ca_file"),
                api_key=r.optional("cloudauth.api_key"),
                api_secret=r.optional("cloudauth.api_secret"),
            ),
            token_cache_ttl=r.duration("token.cache_ttl", 60),
            openstack=OpenStackSettings.from_settings(raw),
            instances=InstanceSettings.from_raw(r),
            users=UserSettings.from_raw(r),
            storage=StorageSettings.from_raw(r),
            user_storage=UserStorageSettings.from_raw(r),
        )
