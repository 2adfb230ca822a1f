"""Roles and permissions as data (``RoleService``): ``/role/*``, ``/permission/*``."""

from cloudauth.audit.services import AuditLog
from cloudauth.roles.services import RoleService
from cloudauth.tokenstore.services import TokenRevocation


def includeme(config):
    config.include("pyramid_services")

    def role_factory(context, request) -> RoleService:
        return RoleService(
            request.db, request.find_service(TokenRevocation), request.find_service(AuditLog)
        )

    config.register_service_factory(role_factory, RoleService)
