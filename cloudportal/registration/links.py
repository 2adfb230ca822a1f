"""Mailed links: a 256-bit random token in the URL, only its SHA-256 in the portal's database,
an expiry, and single use. A tampered token matches no row; a used or expired one says so."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cloudportal.models import MailedLink

log = logging.getLogger("scm.cloudportal.registration")

PURPOSES = ("register", "reset")
# Links past their expiry are kept this long (a "this link has expired" page rather than "does
# not work"), then removed: whenever a new link is issued, and when the portal starts
# (:func:`purge_at_startup`), so a portal that mails nothing for a while keeps no stale address.
KEEP_EXPIRED = dt.timedelta(days=7)
TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class LinkRefused(Exception):
    """``reason``: ``unknown`` (never issued, tampered), ``expired`` or ``used``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def purge_expired(db: Session, now: dt.datetime) -> int:
    """Remove the links expired more than :data:`KEEP_EXPIRED` ago; how many went."""
    return db.execute(delete(MailedLink).where(MailedLink.expires_at < now - KEEP_EXPIRED)).rowcount


def purge_at_startup(registry) -> None:
    """The startup purge: one short transaction of its own. A database not reachable yet, or
    not initialised yet (``initialize_cloudportal_db`` not run), is logged and the portal starts
    anyway: the next start, or the next link issued, purges."""
    engine = registry["scm.db_engine"]
    try:
        with Session(engine) as db, db.begin():
            gone = purge_expired(db, registry["scm.clock"]())
    except SQLAlchemyError as exc:
        log.warning("expired mailed links not purged at startup: %s", getattr(exc, "orig", exc))
        return
    if gone:
        log.info("purged %d mailed links expired more than %s ago", gone, KEEP_EXPIRED)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class MailedLinks:
    def __init__(self, db: Session, now: dt.datetime, lifetimes: dict[str, float]):
        self.db, self.now, self.lifetimes = db, now, lifetimes

    def issue(self, purpose: str, email: str) -> str:
        """A new link's token (shown once: in the mail)."""
        purge_expired(self.db, self.now)
        token = secrets.token_urlsafe(32)
        self.db.add(
            MailedLink(
                token_hash=token_digest(token),
                purpose=purpose,
                email=email.strip().lower(),
                created_at=self.now,
                expires_at=self.now + dt.timedelta(seconds=self.lifetimes[purpose]),
            )
        )
        self.db.flush()
        return token

    def check(self, purpose: str, token: str) -> MailedLink:
        """The live link for ``token``, or :class:`LinkRefused`."""
        if not token or len(token) > 128 or not set(token) <= TOKEN_CHARS:
            raise LinkRefused("unknown")
        link = self.db.scalar(
            select(MailedLink).where(
                MailedLink.token_hash == token_digest(token), MailedLink.purpose == purpose
            )
        )
        if link is None:
            raise LinkRefused("unknown")
        if link.used_at is not None:
            raise LinkRefused("used")
        if link.expires_at <= self.now:
            raise LinkRefused("expired")
        return link

    def claim(self, purpose: str, token: str) -> MailedLink:
        """Mark the link used, or :class:`LinkRefused`. The conditional UPDATE makes a second,
        concurrent use of one link fail (it waits for the first's transaction, then finds the
        link used). Call :meth:`release` in the same transaction when the work fails."""
        link = self.check(purpose, token)
        claimed = self.db.execute(
            update(MailedLink)
            .where(MailedLink.id == link.id, MailedLink.used_at.is_(None))
            .values(used_at=self.now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            raise LinkRefused("used")
        self.db.refresh(link)
        return link

    def release(self, link: MailedLink) -> None:
        link.used_at = None
        self.db.flush()

    def retire_others(self, link: MailedLink) -> None:
        """Once one link of an address did its work, its other live links of the same purpose
        are spent too (an old reset mail cannot undo a new password)."""
        self.db.execute(
            update(MailedLink)
            .where(
                MailedLink.email == link.email,
                MailedLink.purpose == link.purpose,
                MailedLink.used_at.is_(None),
            )
            .values(used_at=self.now)
            .execution_options(synchronize_session=False)
        )
