"""Every Cloud Auth model, imported once so the mapper sees the whole schema."""

from cloudauth.audit.models import AuditEvent
from cloudauth.controllers.models import CloudController, SystemAccount
from cloudauth.meta import Base
from cloudauth.roles.models import Permission, Role, role_permissions, user_roles
from cloudauth.scw.models import ScwToken
from cloudauth.tokenstore.models import Token
from cloudauth.users.models import User

__all__ = [
    "AuditEvent",
    "Base",
    "CloudController",
    "Permission",
    "Role",
    "ScwToken",
    "SystemAccount",
    "Token",
    "User",
    "role_permissions",
    "user_roles",
]
