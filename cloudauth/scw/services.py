"""Issuing and consuming one-time Scyld Cloud Workstation sign-in tokens.

A user (through the portal, with their own token) asks for an SCW token for one workstation; the
workstation, with its own token (the SCW admin account's, seed 1.8.9), checks it once through
``GET /auth/verify_token``. The check that consumes it is one conditional UPDATE, so of two
checks racing on any number of processes (SQLite, MySQL, Galera alike) exactly one wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cloudauth.scw.models import ScwToken
from cloudauth.tokens.services import identity_of, new_token
from cloudauth.users.models import User
from common.errors import BadRequest
from common.security import token_hash

PERMISSION = "verify_scw_token"
MAX_URL = 1024


def checked_service_url(url: str) -> str:
    """An absolute http(s) URL naming a host, without credentials or control characters."""
    url = url.strip()
    if len(url) > MAX_URL or any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        raise BadRequest("service_url must be an http:// or https:// URL without spaces")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host or "@" in parts.netloc:
        raise BadRequest("service_url must be an http:// or https:// URL naming the workstation")
    return url


@dataclass(frozen=True)
class Redeemed:
    """A consumed SCW token: who it signs in, and where it was meant to be used."""

    user: User
    row: ScwToken

    def answer(self) -> dict:
        """``/auth/verify_token``'s data: the user's identity as for any token, plus what the
        SCW token was issued for."""
        found = identity_of(self.user, self.row.expires_at).to_json()
        found["scw"] = {
            "service_url": self.row.service_url,
            "cloud_controller_id": self.row.cloud_controller_id,
            "server_instance_id": self.row.server_instance_id,
            "single_use": True,
        }
        return found


class ScwTokenService:
    def __init__(self, db: Session, now: dt.datetime, lifetime: float):
        self.db, self.now, self.lifetime = db, now, lifetime

    def issue(
        self,
        user: User,
        service_url: str,
        cloud_controller_id: int | None,
        server_instance_id: str | None,
        client_addr: str | None,
    ) -> tuple[str, dt.datetime]:
        token = new_token()
        expires_at = self.now + dt.timedelta(seconds=self.lifetime)
        self.db.add(
            ScwToken(
                token_hash=token_hash(token),
                user_id=user.id,
                service_url=checked_service_url(service_url),
                cloud_controller_id=cloud_controller_id,
                server_instance_id=server_instance_id,
                client_addr=client_addr,
                created_at=self.now,
                expires_at=expires_at,
            )
        )
        self.db.flush()
        return token, expires_at

    def find(self, token: str) -> ScwToken | None:
        """The SCW token row, live or not (None: not an SCW token at all)."""
        if not token or len(token) > 256:
            return None
        return self.db.scalar(select(ScwToken).where(ScwToken.token_hash == token_hash(token)))

    def redeem(self, row: ScwToken, by_userid: str) -> Redeemed | None:
        """Consume the token: its user when it was live, unused and its user active; None
        otherwise (and a consumed token stays consumed)."""
        result = self.db.execute(
            update(ScwToken)
            .where(
                ScwToken.id == row.id,
                ScwToken.used_at.is_(None),
                ScwToken.expires_at > self.now,
            )
            .values(used_at=self.now, used_by=by_userid)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return None
        self.db.refresh(row)
        user = self.db.get(User, row.user_id)
        if user is None or user.active <= 0:
            return None
        return Redeemed(user, row)
