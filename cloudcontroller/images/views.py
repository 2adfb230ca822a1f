"""``/server-image``: the Glance login-node images the requester may use (seed 1.9.3)."""

from __future__ import annotations

from pyramid.view import view_config

from cloudcontroller.images import services
from common.params import path_openstack_id

JSON = "scm_json"


@view_config(
    route_name="server_image.collection",
    request_method="GET",
    renderer=JSON,
    permission="authenticated",
)
def list_images(request):
    sees_all, names = services.requester(request.db, request.identity)
    images = sorted(
        services.usable_images(request.openstack, sees_all, names), key=lambda i: i.name
    )
    return request.ok([services.image_json(i) for i in images])


@view_config(
    route_name="server_image.item", request_method="GET", renderer=JSON, permission="authenticated"
)
def get_image(request):
    sees_all, names = services.requester(request.db, request.identity)
    image = services.usable_image(
        request.openstack, path_openstack_id(request, "image_id", "server-image"), sees_all, names
    )
    return request.ok(services.image_json(image))
