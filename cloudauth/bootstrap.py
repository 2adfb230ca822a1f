"""Service accounts and cloud-controller registrations, made idempotently: what an operator
does once per installation (``cloudauth-service-account``) and the demo launcher on every start."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudauth.controllers.models import CloudController
from cloudauth.roles.models import Role
from cloudauth.users import apikeys
from cloudauth.users.models import User
from cloudauth.users.services import create_user, find_by_login
from common.errors import BadRequest

SERVICE_ROLES = ("cloudcontroller_admin", "cloudaccountant_admin", "scw_admin")


def ensure_service_account(
    db: Session,
    box: apikeys.SecretBox,
    email: str,
    role: str,
    api_key: str | None = None,
    api_secret: str | None = None,
) -> tuple[User, str | None, str | None]:
    """The service user with ``role``; returns (user, key, secret) with a secret only when one
    was generated now (an explicit key/secret is installed as given)."""
    if role not in SERVICE_ROLES:
        raise BadRequest(f"role must be one of {', '.join(SERVICE_ROLES)}")
    user = find_by_login(db, email)
    if user is None:
        user = create_user(
            db,
            None,
            email=email,
            name=role,
            registration_source="api",
            password=apikeys._random(40),
        )
    wanted = db.scalar(select(Role).where(Role.name == role))
    if wanted not in user.roles:
        user.roles.append(wanted)
    if api_key and api_secret:
        apikeys.set_explicit(db, box, user, api_key, api_secret)
        return user, api_key, None
    if not user.api_key:
        key, secret = apikeys.generate(db, box, user)
        return user, key, secret
    return user, user.api_key, None


def ensure_cloud_controller(
    db: Session, cc_id: int, name: str, description: str = ""
) -> CloudController:
    cc = db.get(CloudController, cc_id)
    if cc is None:
        cc = CloudController(id=cc_id, name=name, description=description)
        db.add(cc)
        db.flush()
    return cc
