"""The Cloud Controller registry and users' system accounts (``ControllerService``):
``/cloud_controller/*``, ``/system_account/*``."""

from cloudauth.audit.services import AuditLog
from cloudauth.controllers.services import ControllerService
from cloudauth.tokenstore.services import TokenRevocation


def includeme(config):
    config.include("pyramid_services")

    def controller_factory(context, request) -> ControllerService:
        return ControllerService(
            request.db, request.find_service(TokenRevocation), request.find_service(AuditLog)
        )

    config.register_service_factory(controller_factory, ControllerService)
