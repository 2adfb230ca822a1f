"""Whose usage a caller may see (seed 1.10.2), decided with Cloud Auth.

Every user sees their own usage; an account owner also their managed users'; the superuser and
``cloudaccountant_admin`` see everything, and may act for an account owner (``owner_userid``).
Which users an owner manages is asked of Cloud Auth (``GET /user/list``) with the caller's own
token, and kept in the shared cache for ``managed_users.cache_ttl``.

Every authenticated caller holds ``usage:view``: what they see of it is their :class:`Scope`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.cloudauth_client import CallerToken, CloudAuthClient
from common.errors import BadRequest, Forbidden, NotFound
from common.ownership import list_managed_userids, sees_everything
from common.security import Identity, add_permissions

USERID = re.compile(r"^[0-9a-f]{32}$")
SERVICE = "cloudaccountant"
# The accountant's named permission (views name it, never roles): every live token holds it;
# what each caller sees of it is their Scope.
VIEW = "usage:view"


@dataclass(frozen=True)
class Scope:
    """The users whose rows a query may return; ``None``: everyone, unmapped usage included."""

    userids: frozenset[str] | None


def check_userid(name: str, value: str) -> str:
    if not USERID.match(value):
        raise BadRequest(f"parameter {name} must be a Cloud Auth user id (32 hex digits)")
    return value


class UsageAccess:
    """Resolves a caller's :class:`Scope`, asking Cloud Auth (with the caller's token, briefly
    cached) which users exist and whom an owner manages."""

    def __init__(self, client: CloudAuthClient, cache, caller: CallerToken, ttl: float):
        self.client, self.cache, self.caller, self.ttl = client, cache, caller, ttl

    def managed_users(self, owner_userid: str) -> frozenset[str]:
        return list_managed_userids(self.client, self.cache, self.caller, owner_userid, self.ttl)

    def user_exists(self, userid: str) -> bool:
        key = f"acct:user:{userid}"
        if self.cache.get(key):
            return True
        try:
            self.client.call_as(self.caller, "GET", f"/user/view/{userid}")
        except NotFound:
            return False
        self.cache.set(key, 1, self.ttl)
        return True

    def scope(
        self, identity: Identity, cloud_auth_userid: str | None, owner_userid: str | None
    ) -> Scope:
        everyone = sees_everything(identity, SERVICE)
        if owner_userid is not None:
            check_userid("owner_userid", owner_userid)
            if owner_userid != identity.userid:
                if not everyone:
                    raise Forbidden("only the superuser may ask for another account owner's usage")
                if not self.user_exists(owner_userid):
                    raise BadRequest(f"unknown owner_userid {owner_userid}")
            users = {owner_userid}
            if everyone or identity.has("view_user"):
                users |= self.managed_users(owner_userid)
        elif everyone:
            users = None
        else:
            users = {identity.userid}
            if identity.has("view_user"):  # account owners may list the users they manage
                users |= self.managed_users(identity.userid)
        if cloud_auth_userid is None:
            return Scope(None if users is None else frozenset(users))
        check_userid("cloud_auth_userid", cloud_auth_userid)
        if users is None:
            if not self.user_exists(cloud_auth_userid):
                raise BadRequest(f"unknown cloud_auth_userid {cloud_auth_userid}")
        elif cloud_auth_userid not in users:
            if owner_userid is not None and everyone:
                raise BadRequest(f"user {cloud_auth_userid} is not managed by {owner_userid}")
            raise Forbidden(f"you may not see the usage of user {cloud_auth_userid}")
        return Scope(frozenset({cloud_auth_userid}))


def includeme(config):
    config.include("pyramid_services")
    add_permissions(config, VIEW)
    ttl = config.registry["scm.settings"].managed_users_cache_ttl

    def access_factory(context, request) -> UsageAccess:
        client = request.registry["scm.cloudauth"]
        return UsageAccess(client, request.cache, CallerToken.of(request), ttl)

    config.register_service_factory(access_factory, UsageAccess)


def controller_and_scope(request, params) -> tuple[int | None, Scope]:
    """The ``cloud_controller_id`` a usage query names (checked against the configured ones) and
    the caller's :class:`Scope` from ``cloud_auth_userid`` / ``owner_userid``: the filters every
    listing and report shares."""
    cc_id = None
    if params.optional("cloud_controller_id", 12) is not None:
        cc_id = params.int("cloud_controller_id", minimum=1)
        if cc_id not in request.registry["scm.settings"].controller_ids:
            raise BadRequest(f"unknown cloud_controller_id {cc_id}")
    scope = request.find_service(UsageAccess).scope(
        request.identity,
        cloud_auth_userid=params.optional("cloud_auth_userid", 64),
        owner_userid=params.optional("owner_userid", 64),
    )
    return cc_id, scope
