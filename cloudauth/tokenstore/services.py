"""Ending tokens: revoking them and dropping their cached checks.

Users, roles, system accounts and logins all end or change what a token may do, so this sits
below those features (they import it; it imports none of them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from cloudauth.tokenstore.models import Token
from common.ownership import forget_managed
from common.security import token_hash, user_tokens_key, verify_cache_key


def forget_cached_identities(cache, userid: str) -> None:
    """Drop every cached token check of this user (after a role, password or status change)."""
    digests = cache.smembers(user_tokens_key(userid))
    if digests:
        cache.delete(*(verify_cache_key(d) for d in digests))


class TokenRevocation:
    def __init__(
        self,
        db: Session,
        cache,
        now: dt.datetime,
        after_commit: Callable[[Callable[[], None]], None] = lambda action: None,
    ):
        self.db, self.cache, self.now, self.after_commit = db, cache, now, after_commit

    def forget_cached(self, userid: str) -> None:
        forget_cached_identities(self.cache, userid)

    def forget_managed(self, *owner_userids: str | None) -> None:
        """Drop the services' cached managed-user sets of these owners (common.ownership), now
        and again after the commit, so a listing that read the set before the commit cannot
        keep the old one cached."""
        owners = [o for o in owner_userids if o]
        if not owners:
            return
        forget_managed(self.cache, *owners)
        self.after_commit(lambda: forget_managed(self.cache, *owners))

    def revoke(self, token: str) -> str | None:
        """Revoke one token; the owner's user id, or None when there was no live token."""
        digest = token_hash(token)
        row = self.db.scalar(select(Token).where(Token.token_hash == digest))
        self.cache.delete(verify_cache_key(digest))
        if row is None or row.revoked_at is not None or row.expires_at <= self.now:
            return None  # nothing live was revoked: the caller must not claim otherwise
        row.revoked_at = self.now
        self.db.flush()
        return row.user_id

    def revoke_all(self, userid: str, *, keep: str | None = None, source: str | None = None) -> int:
        """Revoke the user's live tokens (only those issued by ``source`` when given; never the
        token ``keep``); how many. Cached checks are dropped now and again after the commit,
        so a check that read the row before the commit cannot stay cached."""
        # The masquerade tokens the user holds as a superuser end with their own (not when
        # only API-key tokens are revoked: those are not what a masquerade was opened with).
        holder = Token.user_id == userid
        if source is None:
            holder = or_(holder, Token.masquerader_id == userid)
        stmt = update(Token).where(holder, Token.revoked_at.is_(None), Token.expires_at > self.now)
        if keep is not None:
            stmt = stmt.where(Token.token_hash != token_hash(keep))
        if source is not None:
            stmt = stmt.where(Token.source == source)
        result = self.db.execute(stmt.values(revoked_at=self.now))
        forget_cached_identities(self.cache, userid)
        self.after_commit(lambda: forget_cached_identities(self.cache, userid))
        return result.rowcount
