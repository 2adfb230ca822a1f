"""Every Cloud Accountant model, imported once so the mapper sees the whole schema."""

from cloudaccountant.importing.runs import ImportRun
from cloudaccountant.meta import Base
from cloudaccountant.usage.models import (
    Job,
    JobDaily,
    JobExtent,
    ResourceFamilyRow,
    ResourceTypeRow,
    ServerInstanceDaily,
    StorageDaily,
    UserStorageDaily,
)

__all__ = [
    "Base",
    "ImportRun",
    "Job",
    "JobDaily",
    "JobExtent",
    "ResourceFamilyRow",
    "ResourceTypeRow",
    "ServerInstanceDaily",
    "StorageDaily",
    "UserStorageDaily",
]
