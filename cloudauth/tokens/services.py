"""Issuing, verifying and revoking tokens.

Tokens are 32 alphanumeric characters from the OS CSPRNG, stored only as their SHA-256. A
verified token's identity is cached under ``verify:<hash>`` for at most ``token.cache_ttl`` and
never past its expiry; revocation and role or user changes delete those entries
(``cloudauth.tokenstore``), so the other services, which read the same cache, stop accepting
the token at once.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session
from zope.interface import Interface

from cloudauth.tokenstore.models import Token
from cloudauth.users.models import User
from common.security import (
    Identity,
    cached_identity_expired,
    token_hash,
    user_tokens_key,
    verify_cache_key,
)

ALPHABET = string.ascii_letters + string.digits


class IOneTimeTokens(Interface):
    """Tokens that are no bearer tokens, which ``/auth/verify_token`` checks once when no bearer
    token matches (``cloudauth.scw`` registers the one kind): ``verify(request, token,
    mismatch)`` answers the view's response, ``mismatch(user)`` being the selector's check."""


TOKEN_LENGTH = 32


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def identity_of(user: User, expires_at: dt.datetime, masquerader: User | None = None) -> Identity:
    permissions = {p.name for role in user.roles for p in role.permissions}
    return Identity(
        userid=user.id,
        email=user.email,
        name=user.name,
        active=user.active > 0,
        owner_userid=user.owner_userid,
        roles=frozenset(user.role_names),
        permissions=frozenset(permissions),
        expires_at=expires_at,
        default_password=user.default_password,
        system_accounts=tuple(a.to_json() for a in user.system_accounts),
        masquerader_userid=masquerader.id if masquerader else None,
        masquerader_email=masquerader.email if masquerader else None,
    )


class TokenService:
    def __init__(
        self,
        db: Callable[[], Session],
        cache,
        now: dt.datetime,
        lifetime: float,
        cache_ttl: float,
    ):
        # ``db`` is called only when needed: a check answered from the cache opens no session.
        self._db, self.cache, self.now = db, cache, now
        self.lifetime, self.cache_ttl = lifetime, cache_ttl

    @property
    def db(self) -> Session:
        return self._db()

    def issue(
        self,
        user: User,
        source: str,
        client_addr: str | None,
        *,
        masquerader: User | None = None,
        not_after: dt.datetime | None = None,
    ) -> tuple[str, dt.datetime]:
        """A new token for ``user``; for a masquerade, held by ``masquerader`` and ending no
        later than ``not_after`` (the superuser's own token)."""
        token = new_token()
        expires_at = self.now + dt.timedelta(seconds=self.lifetime)
        if not_after is not None:
            expires_at = min(expires_at, not_after)
        digest = token_hash(token)
        self.db.add(
            Token(
                token_hash=digest,
                user_id=user.id,
                source=source,
                client_addr=client_addr,
                created_at=self.now,
                expires_at=expires_at,
                masquerader_id=masquerader.id if masquerader else None,
            )
        )
        self.db.flush()
        self.cache.sadd(user_tokens_key(user.id), digest, self.lifetime)
        if masquerader is not None:
            # a change to the superuser (role, password, deactivation) drops this check too
            self.cache.sadd(user_tokens_key(masquerader.id), digest, self.lifetime)
        return token, expires_at

    def identity(self, token: str) -> Identity | None:
        """The live token's identity, from the cache or the database."""
        found = self.identity_json(token)
        return None if found is None else Identity.from_json(found)

    def identity_json(self, token: str) -> dict | None:
        """The live token's identity as ``/auth/verify_token`` answers it (the cached form, so a
        cache hit is served without building objects)."""
        if not token or len(token) > 256:
            return None
        digest = token_hash(token)
        key = verify_cache_key(digest)
        cached = self.cache.get(key, local_copy=True)
        if cached is not None:
            if not cached_identity_expired(cached, self.now):
                return cached
            self.cache.delete(key)
            return None
        row = self.db.scalar(select(Token).where(Token.token_hash == digest))
        if row is None or row.revoked_at is not None or row.expires_at <= self.now:
            return None
        user = self.db.get(User, row.user_id)
        if user is None or user.active <= 0:
            return None
        masquerader = None
        if row.masquerader_id:
            masquerader = self.db.get(User, row.masquerader_id)
            if (
                masquerader is None
                or masquerader.active <= 0
                or "superuser" not in (masquerader.role_names)
            ):
                return None  # the superuser behind it is gone or no longer one
        found = identity_of(user, row.expires_at, masquerader).to_json()
        ttl = min(self.cache_ttl, (row.expires_at - self.now).total_seconds())
        if ttl > 0:
            self.cache.set(key, found, ttl)
            self.cache.sadd(user_tokens_key(user.id), digest, self.lifetime)
            if masquerader is not None:
                self.cache.sadd(user_tokens_key(masquerader.id), digest, self.lifetime)
        return found


class LocalVerifier:
    """Cloud Auth's own :class:`common.security.IdentityVerifier`: no HTTP hop."""

    def verify(self, request, token: str, userid: str) -> Identity | None:
        identity = request.find_service(TokenService).identity(token)
        if identity is None or identity.userid != userid:
            return None
        return identity
