"""Every Cloud Controller model, imported once so the mapper (and Alembic) see the whole schema.
Each feature adds its models module here."""

from cloudcontroller.accounts.models import SshKey, SystemUser, UnixId  # noqa: F401  (issue 5)
from cloudcontroller.groups.models import GroupMember, SystemGroup  # noqa: F401  (issue 5)
from cloudcontroller.instances.models import InstanceUser, PowerInterval, ServerInstance  # noqa: F401
from cloudcontroller.meta import Base
from cloudcontroller.storage.models import StorageAllocation, StorageVolume  # noqa: F401
from cloudcontroller.user_storage.models import UserStorageQuota, UserStorageUsage  # noqa: F401

__all__ = ["Base", "SystemUser"]
