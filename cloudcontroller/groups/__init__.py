"""``/group``: secondary UNIX groups (``GroupService``)."""

from cloudcontroller.groups.services import GroupService
from common.security import add_permissions

PERMISSIONS = ("group:view", "group:create", "group:update", "group:delete")


def _service(context, request) -> GroupService:
    registry = request.registry
    return GroupService(
        request.db, registry["scm.settings"], registry["scm.cloudauth"], request.cache
    )


def includeme(config):
    config.include("pyramid_services")
    config.register_service_factory(_service, GroupService)
    add_permissions(config, *PERMISSIONS)
    config.scan("cloudcontroller.groups.views")
