"""API keys and secrets (the OAuth consumer key and secret of two-legged token requests).

The secret must be usable for HMAC, so it cannot be hashed: it is encrypted at rest with
Fernet (AES-128-CBC + HMAC-SHA256) under ``apikey.encryption_keys`` — the first key encrypts,
every listed key decrypts, so keys can be rotated. A new secret is shown once, when created.
"""

from __future__ import annotations

import re
import secrets
import string

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudauth.audit.services import AuditLog
from cloudauth.tokenstore.services import TokenRevocation
from cloudauth.users.models import User
from common.errors import BadRequest, Conflict

ALPHABET = string.ascii_letters + string.digits
KEY_FORM = re.compile(r"^[A-Za-z0-9_.\-]{8,128}$")
SECRET_FORM = re.compile(r"^[\x21-\x7e]{16,256}$")


class SecretBox:
    def __init__(self, keys: tuple[bytes, ...]):
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str | None:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None


def random_text(length: int) -> str:
    """Letters and digits from the OS CSPRNG."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _revoked(count: int) -> str:
    return f"{count} tokens obtained with the previous key revoked"


class ApiKeyService:
    """A user's one API key and its secret. ``create_key``, ``set_key`` and ``delete_key`` are
    the API's: the key that goes takes with it every token obtained with an API key, and the
    change is audited. ``generate`` and ``set_explicit`` only store (installing a service
    account's key, which is what its tokens were obtained with)."""

    def __init__(self, db: Session, box: SecretBox, revocation: TokenRevocation, audit: AuditLog):
        self.db, self.box, self.revocation, self.audit = db, box, revocation, audit

    def generate(self, user: User) -> tuple[str, str]:
        """A fresh key and secret for ``user``; the secret is returned this once."""
        key, secret = random_text(24), random_text(40)
        user.api_key, user.api_secret_encrypted = key, self.box.seal(secret)
        self.db.flush()
        return key, secret

    def set_explicit(self, user: User, key: str, secret: str) -> None:
        """The superuser's way to install a known key/secret (e.g. for a service account)."""
        if not KEY_FORM.match(key or ""):
            raise BadRequest("api_key must be 8-128 characters of letters, digits, '_', '-' or '.'")
        if not SECRET_FORM.match(secret or ""):
            raise BadRequest("api_secret must be 16-256 printable ASCII characters")
        clash = self.db.scalar(select(User.id).where(User.api_key == key, User.id != user.id))
        if clash:
            raise Conflict("that api_key belongs to another user")
        user.api_key, user.api_secret_encrypted = key, self.box.seal(secret)
        self.db.flush()

    def _revoke_key_tokens(self, user: User) -> int:
        """A user has one API key at a time, so every live token obtained with an API key
        (OAuth) was obtained with the key that is going now (or one that went before it)."""
        return self.revocation.revoke_all(user.id, source="oauth")

    def create_key(self, actor: str, user: User) -> tuple[str, str, int]:
        """(key, secret, tokens revoked): a new key replaces the user's old one."""
        key, secret = self.generate(user)
        revoked = self._revoke_key_tokens(user)
        self.audit.record("api_key.created", actor=actor, subject=user.id, detail=_revoked(revoked))
        return key, secret, revoked

    def set_key(self, actor: str, user: User, key: str, secret: str) -> int:
        """Install a known key/secret; how many tokens of the old key were revoked."""
        self.set_explicit(user, key, secret)
        revoked = self._revoke_key_tokens(user)
        self.audit.record("api_key.set", actor=actor, subject=user.id, detail=_revoked(revoked))
        return revoked

    def delete_key(self, actor: str, user: User) -> int:
        user.api_key = user.api_secret_encrypted = None
        self.db.flush()
        revoked = self._revoke_key_tokens(user)
        self.audit.record("api_key.deleted", actor=actor, subject=user.id, detail=_revoked(revoked))
        return revoked
