"""``/storage-volume``: $HOME storage volumes (``StorageService``)."""

from cloudcontroller.storage.services import StorageService
from common.security import add_permissions

PERMISSIONS = ("storage:view", "storage:create", "storage:delete")


def _service(context, request) -> StorageService:
    settings = request.registry["scm.settings"]
    return StorageService(request.db, settings.storage, settings.users, lambda: request.now)


def includeme(config):
    config.include("pyramid_services")
    config.register_service_factory(_service, StorageService)
    add_permissions(config, *PERMISSIONS)
    config.scan("cloudcontroller.storage.views")
