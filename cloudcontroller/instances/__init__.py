"""``/server-instance``: the API's service (``InstanceService``), its views and permissions.
The worker (``instances.worker``) is started on its own and needs none of this."""

from cloudcontroller.instances.services import InstanceService
from common.security import add_permissions

PERMISSIONS = ("instance:view", "instance:create", "instance:update", "instance:delete")


def _service(context, request) -> InstanceService:
    # The request's time: every change of one request is written at the same instant.
    return InstanceService(
        request.db, request.registry["scm.settings"], request.openstack, lambda: request.now
    )


def includeme(config):
    config.include("pyramid_services")
    config.register_service_factory(_service, InstanceService)
    add_permissions(config, *PERMISSIONS)
    config.scan("cloudcontroller.instances.views")
