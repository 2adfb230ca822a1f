"""``/server-image``: the Glance login-node images a requester may use."""

from cloudcontroller.images.services import ImageService
from common.security import add_permissions


def includeme(config):
    config.include("pyramid_services")
    config.register_service_factory(
        lambda context, request: ImageService(request.db, request.openstack), ImageService
    )
    add_permissions(config, "image:view")
    config.scan("cloudcontroller.images.views")
