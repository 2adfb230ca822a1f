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


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def generate(db: Session, box: SecretBox, user: User) -> tuple[str, str]:
    """A fresh key and secret for ``user``; the secret is returned this once."""
    key, secret = _random(24), _random(40)
    user.api_key, user.api_secret_encrypted = key, box.seal(secret)
    db.flush()
    return key, secret


def set_explicit(db: Session, box: SecretBox, user: User, key: str, secret: str) -> None:
    """The superuser's way to install a known key/secret (e.g. for a service account)."""
    if not KEY_FORM.match(key or ""):
        raise BadRequest("api_key must be 8-128 characters of letters, digits, '_', '-' or '.'")
    if not SECRET_FORM.match(secret or ""):
        raise BadRequest("api_secret must be 16-256 printable ASCII characters")
    clash = db.scalar(select(User.id).where(User.api_key == key, User.id != user.id))
    if clash:
        raise Conflict("that api_key belongs to another user")
    user.api_key, user.api_secret_encrypted = key, box.seal(secret)
    db.flush()


def remove(db: Session, user: User) -> None:
    user.api_key = user.api_secret_encrypted = None
    db.flush()


def includeme(config):
    config.registry["scm.secret_box"] = SecretBox(
        config.registry["scm.settings"].apikey_encryption_keys
    )
