"""``/server-image``: the Glance login-node images the requester may use (seed 1.9.3)."""

from __future__ import annotations

from pyramid.view import view_config, view_defaults

from cloudcontroller.images.services import ImageService, image_json
from common.params import path_openstack_id


@view_defaults(renderer="scm_json", request_method="GET", permission="image:view")
class ImageViews:
    def __init__(self, request):
        self.request = request

    @view_config(route_name="server_image.collection")
    def list(self):
        images = self.request.find_service(ImageService)
        sees_all, names = images.requester(self.request.identity)
        found = sorted(images.usable_images(sees_all, names), key=lambda i: i.name)
        return self.request.ok([image_json(i) for i in found])

    @view_config(route_name="server_image.item")
    def get(self):
        images = self.request.find_service(ImageService)
        sees_all, names = images.requester(self.request.identity)
        image_id = path_openstack_id(self.request, "image_id", "server-image")
        return self.request.ok(image_json(images.usable_image(image_id, sees_all, names)))
