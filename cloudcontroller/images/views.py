"""``/server-image``: the Glance login-node images the requester may use (seed 1.9.3)."""

from __future__ import annotations

from pyramid.view import view_config

from cloudcontroller.images import services
from cloudcontroller.users.lookup import system_user_for
from common.ownership import sees_everything
from common.params import path_openstack_id

JSON = "scm_json"


def requester(request) -> tuple[bool, frozenset[str]]:
    """(sees every image, the names a shared image may name: Cloud Auth id, system name)."""
    identity = request.identity
    names = {identity.userid}
    account = system_user_for(request.db, identity.userid)
    if account is not None:
        names.add(account.system_name)
    return sees_everything(identity), frozenset(names)


@view_config(
    route_name="server_image.collection",
    request_method="GET",
    renderer=JSON,
    permission="authenticated",
)
def list_images(request):
    sees_all, names = requester(request)
    images = sorted(
        services.usable_images(request.openstack, sees_all, names), key=lambda i: i.name
    )
    return request.ok([services.image_json(i) for i in images])


@view_config(
    route_name="server_image.item", request_method="GET", renderer=JSON, permission="authenticated"
)
def get_image(request):
    sees_all, names = requester(request)
    image = services.usable_image(
        request.openstack, path_openstack_id(request, "image_id", "server-image"), sees_all, names
    )
    return request.ok(services.image_json(image))
