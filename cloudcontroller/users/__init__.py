"""``/user``: system accounts (``UserService``), the service above the features that spans them."""

from cloudcontroller.users.services import UserService
from common.security import add_permissions

PERMISSIONS = ("user:view", "user:create", "user:update", "user:delete")


def _service(context, request) -> UserService:
    registry = request.registry
    return UserService(
        request.db,
        registry["scm.settings"],
        request.openstack,
        registry["scm.cloudauth"],
        lambda: request.now,  # the request's time, as everywhere in one request
        registry.get("scm.users_directory"),
    )


def includeme(config):
    config.include("pyramid_services")
    config.register_service_factory(_service, UserService)
    add_permissions(config, *PERMISSIONS)
    config.scan("cloudcontroller.users.views")
