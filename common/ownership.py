"""Whose resources a caller may see (DESIGN.md, "Identity flow" 4; seed 1.10.2).

A resource belongs to a Cloud Auth user. The superuser, and the services' own admin accounts,
see everything; a user sees their own; an account owner also sees their managed users'. Which
users an owner manages is Cloud Auth's to say: it is asked with the caller's own token
(``GET /user/list``, which Cloud Auth already scopes to the caller) and the answer is cached
briefly in the shared cache. Cloud Auth drops that entry when the set changes (a user created
with an owner, a change of owner: ``forget_managed``), so a new managed user's resources are
visible to the owner at once, not after ``MANAGED_TTL``.
"""

from __future__ import annotations

from common.cloudauth_client import CallerToken, CloudAuthClient
from common.errors import Unauthorized

PAGE = 10000  # Cloud Auth's largest /user/list page
# Per service, the roles whose holders see every user's resources there: the superuser and the
# service's own account; the controller also lets the accountant's account see everything, the
# accountant does not return the favour (usage is the accountant's to show).
SEE_ALL_ROLES = {
    "cloudcontroller": frozenset({"superuser", "cloudcontroller_admin", "cloudaccountant_admin"}),
    "cloudaccountant": frozenset({"superuser", "cloudaccountant_admin"}),
}
MANAGED_TTL = 60.0


def managed_key(owner_userid: str) -> str:
    """The shared-cache key of ``owner_userid``'s managed-user set (read by every service)."""
    return f"managed:{owner_userid}"


def forget_managed(cache, *owner_userids: str | None) -> None:
    """Drop the cached managed-user sets of these owners (Cloud Auth, when a user is created
    with an owner or changes owner): the next listing in any service asks Cloud Auth again."""
    keys = [managed_key(o) for o in owner_userids if o]
    if keys:
        cache.delete(*keys)


def sees_everything(identity, service: str = "cloudcontroller") -> bool:
    """Whether ``identity`` sees every user's resources in ``service`` (the controller's call
    sites name no service)."""
    return bool(identity.roles & SEE_ALL_ROLES[service])


def visible_owner_ids(request) -> frozenset[str] | None:
    """The Cloud Auth ids whose resources the caller sees; None means every one."""
    identity = request.identity
    if identity is None:
        raise Unauthorized()
    if sees_everything(identity):
        return None
    if "account_owner" not in identity.roles:
        return frozenset({identity.userid})
    return managed_userids(request, identity.userid) | {identity.userid}


def managed_userids(
    request, owner_userid: str, ttl: float = MANAGED_TTL, refresh: bool = False
) -> frozenset[str]:
    """The users ``owner_userid`` manages, as Cloud Auth answers the caller of ``request``."""
    client = request.registry["scm.cloudauth"]
    return list_managed_userids(
        client, request.cache, CallerToken.of(request), owner_userid, ttl, refresh
    )


def list_managed_userids(
    client: CloudAuthClient,
    cache,
    caller: CallerToken,
    owner_userid: str,
    ttl: float = MANAGED_TTL,
    refresh: bool = False,
) -> frozenset[str]:
    """The users ``owner_userid`` manages, as Cloud Auth answers ``caller``, page by page;
    cached in the shared cache for ``ttl`` seconds (``refresh``: asked again, whatever the
    cache holds)."""
    key = managed_key(owner_userid)
    cached = None if refresh else cache.get(key)
    if cached is not None:
        return frozenset(cached)
    userids: list[str] = []
    offset = 0
    while True:
        data = client.call_as(
            caller,
            "GET",
            "/user/list",
            {"owner_userid": owner_userid, "show_inactive": "1", "limit": PAGE, "offset": offset},
        )["data"]
        userids.extend(u["id"] for u in data["users"])
        offset += PAGE
        if offset >= data["total"] or not data["users"]:
            break
    cache.set(key, sorted(userids), ttl)
    return frozenset(userids)


def visible_owner_ids_for(request, owner_filter: str | None) -> frozenset[str] | None:
    """``visible_owner_ids`` for a listing filtered by ``owner_filter``: an owner missing from
    the cached list is looked for again first (see ``can_see``)."""
    visible = visible_owner_ids(request)
    missing = visible is not None and owner_filter and owner_filter not in visible
    if missing and can_see(request, owner_filter):
        return visible | {owner_filter}
    return visible


def can_see(request, owner_id: str) -> bool:
    visible = visible_owner_ids(request)
    if visible is None or owner_id in visible:
        return True
    return _seen_after_refetch(request, owner_id)


REFETCHED = "scm.ownership.refetched"


def _seen_after_refetch(request, owner_id: str) -> bool:
    """A user id missing from an account owner's cached list may be a user created after the
    list was read: the list is read again from Cloud Auth (once per request, so a request naming
    many strangers costs one call) before the answer is no. The fresh list replaces the cached
    one, so the listings that follow see the new user too."""
    identity = request.identity
    if "account_owner" not in identity.roles or request.environ.get(REFETCHED):
        return False
    request.environ[REFETCHED] = True
    return owner_id in managed_userids(request, identity.userid, refresh=True)
