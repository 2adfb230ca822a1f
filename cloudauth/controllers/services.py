"""The registry of Cloud Controllers and users' system (UNIX) accounts on them."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cloudauth.controllers.models import CloudController, SystemAccount
from common.errors import BadRequest, Conflict, NotFound

UNIX_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")


def controller_json(cc: CloudController) -> dict:
    return {"id": cc.id, "name": cc.name, "description": cc.description}


def get_controller(db: Session, cc_id: int) -> CloudController:
    cc = db.get(CloudController, cc_id)
    if cc is None:
        raise NotFound(f"no cloud controller {cc_id}")
    return cc


def _check_name_free(db: Session, name: str, cc_id: int | None = None) -> None:
    clash = select(CloudController.id).where(CloudController.name == name)
    if cc_id is not None:
        clash = clash.where(CloudController.id != cc_id)
    if db.scalar(clash):
        raise Conflict(f"a cloud controller named {name!r} already exists")


def create_controller(
    db: Session, name: str, description: str, cc_id: int | None
) -> CloudController:
    name = name.strip()
    _check_name_free(db, name)
    if cc_id is not None and db.get(CloudController, cc_id) is not None:
        raise Conflict(f"cloud controller id {cc_id} is taken")
    cc = CloudController(
        name=name, description=description.strip(), **({"id": cc_id} if cc_id else {})
    )
    db.add(cc)
    db.flush()
    return cc


def update_controller(
    db: Session, cc: CloudController, name: str | None, description: str | None
) -> CloudController:
    """Rename or redescribe; a name another controller has is a 409, as on create."""
    if name is not None:
        name = name.strip()
        _check_name_free(db, name, cc.id)
        cc.name = name
    if description is not None:
        cc.description = description.strip()
    try:
        db.flush()
    except IntegrityError:  # a concurrent rename to the same name
        raise Conflict(f"a cloud controller named {name!r} already exists") from None
    return cc


def get_account(db: Session, account_id: int) -> SystemAccount:
    account = db.get(SystemAccount, account_id)
    if account is None:
        raise NotFound(f"no system account {account_id}")
    return account


def create_account(
    db: Session, user_id: str, username: str, uuid: str, cc_id: int
) -> SystemAccount:
    if not UNIX_NAME.match(username):
        raise BadRequest(f"username {username!r} is not a valid UNIX user name")
    if not uuid or len(uuid) > 64:
        raise BadRequest("uuid is required (at most 64 characters)")
    get_controller(db, cc_id)
    taken = db.scalar(
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
    db.add(account)
    try:
        db.flush()
    except IntegrityError:
        raise Conflict(f"system username {username} is taken on cloud controller {cc_id}") from None
    return account
