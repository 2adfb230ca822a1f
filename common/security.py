"""Token authentication for every SCM API: ``X-Auth-Token`` + ``X-Auth-Cloudauth-Id``.

The policy asks an :class:`IdentityVerifier` whether the token belongs to that Cloud Auth user and
is live. Cloud Auth verifies against its own tables; the other services verify through the Cloud
Auth HTTP client, with the answer cached in the shared cache under the token's hash for a short,
bounded time. Cloud Auth deletes that entry when it revokes a token or changes a user's roles, so
a revocation is seen everywhere at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyramid.authorization import ALL_PERMISSIONS  # noqa: F401  (for apps' ACLs)
from pyramid.request import RequestLocalCache
from pyramid.security import Allowed, Denied

from common.envelope import parse_utc_text, utc_text

TOKEN_HEADER = "X-Auth-Token"  # noqa: S105  (a header name, not a secret)
USERID_HEADER = "X-Auth-Cloudauth-Id"


def token_hash(token: str) -> str:
    """Tokens are stored and cached only as this hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def verify_cache_key(token_digest: str) -> str:
    return f"verify:{token_digest}"


def user_tokens_key(userid: str) -> str:
    return f"usertokens:{userid}"


@dataclass(frozen=True)
class Identity:
    """Who is calling, as Cloud Auth answers ``/auth/verify_token``."""

    userid: str
    email: str
    name: str = ""
    active: bool = True
    owner_userid: str | None = None
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    expires_at: dt.datetime | None = None
    default_password: bool = False
    system_accounts: tuple[dict, ...] = field(default=())
    # A masquerade token ("view as"): the superuser really holding it, who is audited beside
    # the user on every change made with it. None for every other token.
    masquerader_userid: str | None = None
    masquerader_email: str | None = None

    @property
    def is_masquerade(self) -> bool:
        return bool(self.masquerader_userid)

    @property
    def is_superuser(self) -> bool:
        return "superuser" in self.roles

    def has(self, permission: str) -> bool:
        return self.is_superuser or permission in self.permissions

    def to_json(self) -> dict[str, Any]:
        body = {
            "user": {
                "id": self.userid,
                "email": self.email,
                "name": self.name,
                "active": int(self.active),
                "owner_userid": self.owner_userid or "",
                "system_accounts": list(self.system_accounts),
            },
            "roles": sorted(self.roles),
            "permissions": sorted(self.permissions),
            "expires_at_utc": utc_text(self.expires_at) if self.expires_at else None,
            "default_password": self.default_password,
        }
        if self.masquerader_userid:
            # only on masquerade tokens: every other answer keeps its shape
            body["masquerade"] = {
                "userid": self.masquerader_userid,
                "email": self.masquerader_email or "",
            }
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Identity:
        user = data["user"]
        expires = data.get("expires_at_utc")
        masquerade = data.get("masquerade") or {}
        return cls(
            userid=user["id"],
            email=user["email"],
            name=user.get("name", ""),
            active=bool(user.get("active", 1)),
            owner_userid=user.get("owner_userid") or None,
            roles=frozenset(data.get("roles", ())),
            permissions=frozenset(data.get("permissions", ())),
            expires_at=parse_utc_text(expires) if expires else None,
            default_password=bool(data.get("default_password", False)),
            system_accounts=tuple(user.get("system_accounts", ())),
            masquerader_userid=masquerade.get("userid") or None,
            masquerader_email=masquerade.get("email") or None,
        )


def cached_identity_expired(cached: dict[str, Any], now: dt.datetime) -> bool:
    """Whether a cached token check (``Identity.to_json``'s form, as Cloud Auth caches it) has
    expired at ``now``: the one place a cached expiry is compared, as time."""
    expires = cached.get("expires_at_utc")
    if expires is None:
        return False
    if now.tzinfo is not None:
        now = now.astimezone(dt.UTC).replace(tzinfo=None)
    return parse_utc_text(expires) <= now


class IdentityVerifier(Protocol):
    def verify(self, request, token: str, userid: str) -> Identity | None:
        """The identity when ``token`` is live and belongs to ``userid``, else None.

        Raises ``common.errors.Unavailable`` when the answer cannot be had."""


# An app's named permissions that Cloud Auth's roles do not grant: name -> rule on the identity.
PERMISSIONS_KEY = "scm.permissions"


def any_identity(identity: Identity) -> bool:
    """The rule of a permission every live token holds (who may act on *which* resource is the
    owner check of the view: ``common.ownership``)."""
    return True


def add_permissions(config, *names: str, rule=any_identity) -> None:
    """Grant the named permissions to the identities ``rule`` accepts, for ``permits``."""
    rules = config.registry.setdefault(PERMISSIONS_KEY, {})
    for name in names:
        rules[name] = rule


class TokenSecurityPolicy:
    """The app's own named permissions (``"usage:view"``, ``"instance:update"``) are granted by
    ``add_permissions`` with a rule saying which identities hold them; any other name is a Cloud
    Auth permission the identity must carry."""

    def __init__(self, verifier: IdentityVerifier):
        self.verifier = verifier
        self._cache = RequestLocalCache(self._load_identity)

    def _load_identity(self, request) -> Identity | None:
        token = request.headers.get(TOKEN_HEADER, "").strip()
        userid = request.headers.get(USERID_HEADER, "").strip()
        if not token or not userid or len(token) > 256 or len(userid) > 64:
            return None
        identity = self.verifier.verify(request, token, userid)
        if identity is not None:
            request.environ["scm.userid"] = identity.userid
        return identity

    def identity(self, request) -> Identity | None:
        return self._cache.get_or_create(request)

    def authenticated_userid(self, request) -> str | None:
        identity = self.identity(request)
        return identity.userid if identity else None

    def permits(self, request, context, permission):
        identity = self.identity(request)
        if identity is None:
            return Denied("no valid token")
        # The app's own named permissions follow their rule; any other name is a Cloud Auth
        # permission the identity must carry.
        rule = request.registry.get(PERMISSIONS_KEY, {}).get(permission)
        held = rule(identity) if rule is not None else identity.has(permission)
        if permission == "authenticated" or held:
            return Allowed(f"granted {permission}")
        denied = Denied(f"permission {permission} is required")
        denied.permission = permission
        return denied

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []


class CachingVerifier:
    """Verifies through another verifier (the Cloud Auth client), caching live answers in
    ``cache``, or, when that is None, in the request's shared cache (``request.cache``)."""

    def __init__(self, inner: IdentityVerifier, cache, ttl: float, clock=None):
        self.inner, self.cache, self.ttl = inner, cache, ttl
        self.clock = clock  # None: the request's clock (request.now, from common.clock)

    def verify(self, request, token, userid):
        key = verify_cache_key(token_hash(token))
        cache = self.cache if self.cache is not None else request.cache
        cached = cache.get(key, local_copy=True)
        now = self.clock() if self.clock else request.now
        if cached is not None:
            if cached_identity_expired(cached, now):
                cache.delete(key)
                return None
            identity = Identity.from_json(cached)
            return identity if identity.userid == userid else None
        identity = self.inner.verify(request, token, userid)
        if identity is not None:
            remaining = (
                (identity.expires_at - now).total_seconds() if identity.expires_at else self.ttl
            )
            ttl = min(self.ttl, remaining)
            if ttl > 0:
                cache.set(key, identity.to_json(), ttl)
                cache.sadd(user_tokens_key(identity.userid), token_hash(token), self.ttl)
        return identity
