"""Whose resources a caller may see (DESIGN.md, "Identity flow" 4; seed 1.10.2).

A resource belongs to a Cloud Auth user. The superuser, and the services' own admin accounts,
see everything; a user sees their own; an account owner also sees their managed users'. Which
users an owner manages is Cloud Auth's to say: it is asked with the caller's own token
(``GET /user/list``, which Cloud Auth already scopes to the caller) and the answer is cached
briefly in the shared cache.
"""

from __future__ import annotations

from common.errors import Unauthorized

# Roles whose holders see every user's resources.
SEE_ALL_ROLES = frozenset({"superuser", "cloudcontroller_admin", "cloudaccountant_admin"})
MANAGED_TTL = 60.0


def sees_everything(identity) -> bool:
    return bool(identity.roles & SEE_ALL_ROLES)


def visible_owner_ids(request) -> frozenset[str] | None:
    """The Cloud Auth ids whose resources the caller sees; None means every one."""
    identity = request.identity
    if identity is None:
        raise Unauthorized()
    if sees_everything(identity):
        return None
    if "account_owner" not in identity.roles:
        return frozenset({identity.userid})
    key = f"managed:{identity.userid}"
    cached = request.cache.get(key)
    if cached is None:
        client = request.registry["scm.cloudauth"]
        body = client.call(
            "GET",
            "/user/list",
            {"owner_userid": identity.userid, "show_inactive": "1", "limit": "10000"},
            token=request.headers.get("X-Auth-Token"),
            userid=identity.userid,
        )
        cached = sorted({u["id"] for u in body["data"]["users"]})
        request.cache.set(key, cached, MANAGED_TTL)
    return frozenset(cached) | {identity.userid}


def can_see(request, owner_id: str) -> bool:
    visible = visible_owner_ids(request)
    return visible is None or owner_id in visible
