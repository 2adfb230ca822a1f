"""The registry of Cloud Controllers and users' system (UNIX) accounts on them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cloudauth.audit.services import AuditLog
from cloudauth.controllers.models import CloudController, SystemAccount
from cloudauth.tokenstore.services import TokenRevocation
from cloudauth.users.models import User
from common.errors import BadRequest, Conflict, NotFound

UNIX_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")


def controller_json(cc: CloudController) -> dict:
    return {"id": cc.id, "name": cc.name, "description": cc.description}


@dataclass(frozen=True)
class AccountQuery:
    """Which system accounts to list: ``visible_to`` a caller who sees only their own and their
    managed users' (None: every user's), of ``user_id``, on a controller, by name."""

    visible_to: str | None = None
    user_id: str | None = None
    cloud_controller_id: int | None = None
    username: str | None = None


class ControllerService:
    """The registry of Cloud Controllers and users' system (UNIX) accounts on them. A system
    account is part of its user's token check, so a change drops the user's cached checks;
    changes are audited as done by ``actor``."""

    def __init__(self, db: Session, revocation: TokenRevocation, audit: AuditLog):
        self.db, self.revocation, self.audit = db, revocation, audit

    # -- controllers ---------------------------------------------------------------------------

    def list_controllers(self) -> list[CloudController]:
        return list(self.db.scalars(select(CloudController).order_by(CloudController.id)))

    def get_controller(self, cc_id: int) -> CloudController:
        cc = self.db.get(CloudController, cc_id)
        if cc is None:
            raise NotFound(f"no cloud controller {cc_id}")
        return cc

    def _check_name_free(self, name: str, cc_id: int | None = None) -> None:
        clash = select(CloudController.id).where(CloudController.name == name)
        if cc_id is not None:
            clash = clash.where(CloudController.id != cc_id)
        if self.db.scalar(clash):
            raise Conflict(f"a cloud controller named {name!r} already exists")

    def create_controller(
        self, actor: str, name: str, description: str, cc_id: int | None
    ) -> CloudController:
        name = name.strip()
        self._check_name_free(name)
        if cc_id is not None and self.db.get(CloudController, cc_id) is not None:
            raise Conflict(f"cloud controller id {cc_id} is taken")
        cc = CloudController(
            name=name, description=description.strip(), **({"id": cc_id} if cc_id else {})
        )
        self.db.add(cc)
        self.db.flush()
        self.audit.record("cloud_controller.created", actor=actor, detail=f"{cc.id}:{cc.name}")
        return cc

    def update_controller(
        self, actor: str, cc: CloudController, name: str | None, description: str | None
    ) -> CloudController:
        """Rename or redescribe; a name another controller has is a 409, as on create."""
        if name is not None:
            name = name.strip()
            self._check_name_free(name, cc.id)
            cc.name = name
        if description is not None:
            cc.description = description.strip()
        try:
            self.db.flush()
        except IntegrityError:  # a concurrent rename to the same name
            raise Conflict(f"a cloud controller named {name!r} already exists") from None
        self.audit.record("cloud_controller.updated", actor=actor, detail=str(cc.id))
        return cc

    # -- system accounts -----------------------------------------------------------------------

    def list_accounts(self, query: AccountQuery) -> list[SystemAccount]:
        stmt = select(SystemAccount).join(User, User.id == SystemAccount.user_id)
        if query.user_id:
            stmt = stmt.where(SystemAccount.user_id == query.user_id)
        elif query.visible_to is not None:
            who = query.visible_to
            stmt = stmt.where((User.owner_userid == who) | (User.id == who))
        if query.cloud_controller_id is not None:
            stmt = stmt.where(SystemAccount.cloud_controller_id == query.cloud_controller_id)
        if query.username is not None:
            stmt = stmt.where(SystemAccount.username == query.username)
        return list(self.db.scalars(stmt.order_by(SystemAccount.id)))

    def get_account(self, account_id: int) -> SystemAccount:
        account = self.db.get(SystemAccount, account_id)
        if account is None:
            raise NotFound(f"no system account {account_id}")
        return account

    def create_account(
        self, actor: str, user_id: str, username: str, uuid: str, cc_id: int
    ) -> SystemAccount:
        if not UNIX_NAME.match(username):
            raise BadRequest(f"username {username!r} is not a valid UNIX user name")
        if not uuid or len(uuid) > 64:
            raise BadRequest("uuid is required (at most 64 characters)")
        self.get_controller(cc_id)
        taken = self.db.scalar(
            select(SystemAccount).where(
                SystemAccount.cloud_controller_id == cc_id,
                (SystemAccount.username == username) | (SystemAccount.user_id == user_id),
            )
        )
        if taken is not None:
            if taken.user_id == user_id:
                raise Conflict(f"the user already has a system account on cloud controller {cc_id}")
            raise Conflict(f"system username {username} is taken on cloud controller {cc_id}")
        account = SystemAccount(
            user_id=user_id, username=username, uuid=uuid, cloud_controller_id=cc_id
        )
        self.db.add(account)
        try:
            self.db.flush()
        except IntegrityError:
            raise Conflict(
                f"system username {username} is taken on cloud controller {cc_id}"
            ) from None
        self.revocation.forget_cached(user_id)
        self.audit.record(
            "system_account.created", actor=actor, subject=user_id, detail=account.username
        )
        return account

    def delete_account(self, actor: str, account: SystemAccount) -> None:
        user_id, username = account.user_id, account.username
        self.db.delete(account)
        self.db.flush()
        self.revocation.forget_cached(user_id)
        self.audit.record("system_account.deleted", actor=actor, subject=user_id, detail=username)
