"""Service accounts and cloud-controller registrations, made idempotently: what an operator
does once per installation (``cloudauth-service-account``) and the demo launcher on every start."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudauth.controllers.models import CloudController
from cloudauth.roles.models import Role
from cloudauth.users.apikeys import ApiKeyService, random_text
from cloudauth.users.models import User
from cloudauth.users.services import UserService
from common.errors import BadRequest

SERVICE_ROLES = ("cloudcontroller_admin", "cloudaccountant_admin", "scw_admin")


class Installation:
    """What an installation sets up once: the services' own accounts and the controllers."""

    def __init__(self, db: Session, users: UserService, api_keys: ApiKeyService):
        self.db, self.users, self.api_keys = db, users, api_keys

    def ensure_service_account(
        self,
        email: str,
        role: str,
        api_key: str | None = None,
        api_secret: str | None = None,
    ) -> tuple[User, str | None, str | None]:
        """The service user with ``role``; returns (user, key, secret) with a secret only when
        one was generated now (an explicit key/secret is installed as given)."""
        if role not in SERVICE_ROLES:
            raise BadRequest(f"role must be one of {', '.join(SERVICE_ROLES)}")
        user = self.users.find_by_login(email)
        if user is None:
            user = self.users.create_user(
                None, email=email, name=role, registration_source="api", password=random_text(40)
            )
        wanted = self.db.scalar(select(Role).where(Role.name == role))
        if wanted not in user.roles:
            user.roles.append(wanted)
        if api_key and api_secret:
            self.api_keys.set_explicit(user, api_key, api_secret)
            return user, api_key, None
        if not user.api_key:
            key, secret = self.api_keys.generate(user)
            return user, key, secret
        return user, user.api_key, None

    def ensure_cloud_controller(
        self, cc_id: int, name: str, description: str = ""
    ) -> CloudController:
        cc = self.db.get(CloudController, cc_id)
        if cc is None:
            cc = CloudController(id=cc_id, name=name, description=description)
            self.db.add(cc)
            self.db.flush()
        return cc


def includeme(config):
    config.include("pyramid_services")

    def installation_factory(context, request) -> Installation:
        return Installation(
            request.db, request.find_service(UserService), request.find_service(ApiKeyService)
        )

    config.register_service_factory(installation_factory, Installation)
