"""Every Cloud Controller model, imported once so the mapper (and Alembic) see the whole schema.
Each feature adds its models module here."""

from cloudcontroller.meta import Base
from cloudcontroller.users.models import SystemUser

__all__ = ["Base", "SystemUser"]
