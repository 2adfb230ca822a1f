"""Exchanging an admin-eligible SSO token for a token of the local superuser ``admin``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudauth.tokens.sso_attributes import SSO_ADMIN_SOURCE
from cloudauth.tokenstore.models import Token
from cloudauth.users.models import User
from common.errors import Forbidden, Unauthorized
from common.security import token_hash

# The superuser token issued in exchange for an admin-eligible SSO token.
AS_ADMIN_SOURCE = "sso-as-admin"
SUPERUSER_LOGIN = "admin"


@dataclass(frozen=True)
class Escalation:
    sso_user: User
    admin: User
    token: str
    expires_at: dt.datetime


class SsoAdminLogin:
    def __init__(self, db: Session, tokens, now: dt.datetime):
        self.db, self.tokens, self.now = db, tokens, now

    def escalate(self, sso_token: str, client_addr: str | None) -> Escalation:
        """A superuser token for the holder of a live, admin-eligible SSO token; else 401 (no
        such live token) or 403 (a token that is not an admin-eligible SSO login)."""
        row = self.db.scalar(select(Token).where(Token.token_hash == token_hash(sso_token)))
        if row is None or row.revoked_at is not None or row.expires_at <= self.now:
            raise Unauthorized("the SSO token is invalid, expired or revoked")
        user = self.db.get(User, row.user_id)
        if user is None or user.active <= 0:
            raise Unauthorized("the SSO token is invalid, expired or revoked")
        if row.source != SSO_ADMIN_SOURCE or user.registration_source != "sso":
            raise Forbidden(
                "this token is not from an SSO login whose attributes match "
                "auth_sso.admin_attributes"
            )
        admin = self.db.scalar(select(User).where(User.username == SUPERUSER_LOGIN))
        if admin is None or not admin.is_local or "superuser" not in admin.role_names:
            raise Forbidden("there is no local superuser account named admin")
        if admin.active <= 0:
            raise Forbidden("the admin account is deactivated")
        token, expires_at = self.tokens.issue(admin, AS_ADMIN_SOURCE, client_addr)
        # Never outlive the SSO login it came from.
        if expires_at > row.expires_at:
            issued = self.db.scalar(select(Token).where(Token.token_hash == token_hash(token)))
            issued.expires_at = expires_at = row.expires_at
        return Escalation(user, admin, token, expires_at)
