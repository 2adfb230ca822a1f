"""Opening and ending a masquerade: the rules on who may view as whom."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cloudauth.authz import Caller
from cloudauth.tokens.services import TokenService
from cloudauth.tokenstore.services import TokenRevocation
from cloudauth.users.models import User
from common.errors import BadRequest, Conflict, Forbidden, NotFound
from common.security import Identity

SOURCE = "masquerade"  # the token's source, as the token table records it


@dataclass(frozen=True)
class Masquerade:
    token: str
    expires_at: dt.datetime
    user: User
    superuser: User


class MasqueradeService:
    def __init__(self, db: Session, tokens: TokenService, revocation: TokenRevocation):
        self.db, self.tokens, self.revocation = db, tokens, revocation

    def start(
        self, caller: Caller, identity: Identity, target_id: str, client_addr: str | None
    ) -> Masquerade:
        """A token for the user ``target_id``, held by the superuser ``caller`` and ending no
        later than the caller's own token (``identity``)."""
        if identity.is_masquerade:
            raise Forbidden("a masquerade token cannot open another masquerade")
        if not caller.is_superuser:
            raise Forbidden("only the superuser may view the portal as another user")
        target = self.db.get(User, target_id) if target_id and len(target_id) <= 32 else None
        if target is None:
            raise NotFound(f"no user {target_id}")
        if target.id == caller.id:
            raise BadRequest("you cannot view as yourself")
        if "superuser" in target.role_names:
            raise Forbidden("a superuser cannot be viewed as; sign in as them instead")
        if target.active <= 0:
            raise Conflict(f"{target.email} is deactivated: activate the account first")
        token, expires_at = self.tokens.issue(
            target, SOURCE, client_addr, masquerader=caller.user, not_after=identity.expires_at
        )
        return Masquerade(token, expires_at, target, caller.user)

    def end(self, identity: Identity, token: str) -> None:
        """Revoke the masquerade token making this request."""
        if not identity.is_masquerade:
            raise BadRequest("this token is not a masquerade token")
        self.revocation.revoke(token)
