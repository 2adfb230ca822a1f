"""Who may do what to whom inside Cloud Auth.

Pyramid checks the named permission of each endpoint (``view_user``, ``manage_role``...); this
module checks the object: a role with scope ``all`` reaches every user, a role with scope
``managed`` (``account_owner``) reaches only the users the caller owns, and a few self-service
permissions always reach the caller themself. The superuser reaches everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudauth.roles.models import SCOPE_ALL
from cloudauth.users.models import User
from common.errors import Forbidden, NotFound, Unauthorized

SELF_SERVICE = frozenset(
    {
        "view_user",
        "set_password",
        "view_api_key",
        "manage_api_key",
        "view_system_account",
        "revoke_token",
    }
)


@dataclass(frozen=True)
class Caller:
    user: User
    global_permissions: frozenset[str]
    managed_permissions: frozenset[str]

    @property
    def id(self) -> str:
        return self.user.id

    @property
    def is_superuser(self) -> bool:
        return "superuser" in self.user.role_names

    def can(self, permission: str, target: User) -> bool:
        if self.is_superuser or permission in self.global_permissions:
            return True
        if target.id == self.user.id:
            return permission in SELF_SERVICE or permission in self.managed_permissions
        return permission in self.managed_permissions and target.owner_userid == self.user.id

    def sees_all(self, permission: str) -> bool:
        return self.is_superuser or permission in self.global_permissions

    def require(self, permission: str, target: User) -> None:
        """404 when the caller may not even see the user, 403 when they may see but not act."""
        if self.can(permission, target):
            return
        if not self.can("view_user", target):
            raise NotFound(f"no user {target.id}")
        raise Forbidden(f"permission {permission} on user {target.id} is required")


def caller_from_user(user: User) -> Caller:
    global_perms: set[str] = set()
    managed_perms: set[str] = set()
    for role in user.roles:
        names = {p.name for p in role.permissions}
        (global_perms if role.scope == SCOPE_ALL else managed_perms).update(names)
    return Caller(user, frozenset(global_perms), frozenset(managed_perms))


def _caller(request) -> Caller:
    identity = request.identity
    if identity is None:
        raise Unauthorized()
    user = request.db.get(User, identity.userid)
    if user is None or not user.active:
        raise Unauthorized()
    return caller_from_user(user)


def includeme(config):
    config.add_request_method(_caller, "caller", reify=True)
