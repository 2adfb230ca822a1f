"""``/user-storage``: shared-pool quotas and usage (``UserStorageService``)."""

from cloudcontroller.user_storage.services import UserStorageService
from common.security import add_permissions

PERMISSIONS = ("user_storage:view", "user_storage:update")


def _service(context, request) -> UserStorageService:
    settings = request.registry["scm.settings"]
    return UserStorageService(request.db, settings.user_storage, lambda: request.now)


def includeme(config):
    config.include("pyramid_services")
    config.register_service_factory(_service, UserStorageService)
    add_permissions(config, *PERMISSIONS)
    config.scan("cloudcontroller.user_storage.views")
