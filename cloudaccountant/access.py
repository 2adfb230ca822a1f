"""Whose usage a caller may see (seed 1.10.2), decided with Cloud Auth.

Every user sees their own usage; an account owner also their managed users'; the superuser and
``cloudaccountant_admin`` see everything, and may act for an account owner (``owner_userid``).
Which users an owner manages is asked of Cloud Auth (``GET /user/list``) with the caller's own
token, and kept in the shared cache for ``managed_users.cache_ttl``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.cloudauth_client import CloudAuthClient
from common.errors import BadRequest, Forbidden, NotFound
from common.ownership import managed_userids, sees_everything
from common.security import TOKEN_HEADER, USERID_HEADER, Identity

USERID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Scope:
    """The users whose rows a query may return; ``None``: everyone, unmapped usage included."""

    userids: frozenset[str] | None


def check_userid(name: str, value: str) -> str:
    if not USERID.match(value):
        raise BadRequest(f"parameter {name} must be a Cloud Auth user id (32 hex digits)")
    return value


class Directory:
    """Cloud Auth's answers about users, asked with the caller's token and briefly cached."""

    def __init__(self, client: CloudAuthClient, ttl: float):
        self.client, self.ttl = client, ttl

    def _call(self, request, path: str, params=None) -> dict:
        return self.client.call(
            "GET",
            path,
            params,
            token=request.headers.get(TOKEN_HEADER, "").strip(),
            userid=request.headers.get(USERID_HEADER, "").strip(),
        )

    def managed_users(self, request, owner_userid: str) -> frozenset[str]:
        return managed_userids(request, owner_userid, self.ttl)

    def user_exists(self, request, userid: str) -> bool:
        key = f"acct:user:{userid}"
        if request.cache.get(key):
            return True
        try:
            self._call(request, f"/user/view/{userid}")
        except NotFound:
            return False
        request.cache.set(key, 1, self.ttl)
        return True


def resolve_scope(request, cloud_auth_userid: str | None, owner_userid: str | None) -> Scope:
    identity: Identity = request.identity
    directory: Directory = request.registry["scm.directory"]
    everyone = sees_everything(identity, "cloudaccountant")
    if owner_userid is not None:
        check_userid("owner_userid", owner_userid)
        if owner_userid != identity.userid:
            if not everyone:
                raise Forbidden("only the superuser may ask for another account owner's usage")
            if not directory.user_exists(request, owner_userid):
                raise BadRequest(f"unknown owner_userid {owner_userid}")
        users = {owner_userid}
        if everyone or identity.has("view_user"):
            users |= directory.managed_users(request, owner_userid)
    elif everyone:
        users = None
    else:
        users = {identity.userid}
        if identity.has("view_user"):  # account owners may list the users they manage
            users |= directory.managed_users(request, identity.userid)
    if cloud_auth_userid is None:
        return Scope(None if users is None else frozenset(users))
    check_userid("cloud_auth_userid", cloud_auth_userid)
    if users is None:
        if not directory.user_exists(request, cloud_auth_userid):
            raise BadRequest(f"unknown cloud_auth_userid {cloud_auth_userid}")
    elif cloud_auth_userid not in users:
        if owner_userid is not None and everyone:
            raise BadRequest(f"user {cloud_auth_userid} is not managed by {owner_userid}")
        raise Forbidden(f"you may not see the usage of user {cloud_auth_userid}")
    return Scope(frozenset({cloud_auth_userid}))


def includeme(config):
    settings = config.registry["scm.settings"]
    client = config.registry["scm.cloudauth"]
    config.registry["scm.directory"] = Directory(client, settings.managed_users_cache_ttl)
