"""``/server-flavor``: Nova's flavors, read-only (seed 1.9.2)."""

from __future__ import annotations

from pyramid.view import view_config

from cloudcontroller.openstack.interfaces import Flavor
from common.params import path_openstack_id

JSON = "scm_json"


def flavor_json(flavor: Flavor) -> dict:
    return {
        "id": flavor.id,
        "name": flavor.name,
        "memory": flavor.ram_mb,
        "disk": flavor.disk_gb,
        "vcpu": flavor.vcpus,
        "gpu": flavor.wants_gpu,
        "extra-specs": dict(flavor.extra_specs),
    }


@view_config(
    route_name="server_flavor.collection",
    request_method="GET",
    renderer=JSON,
    permission="authenticated",
)
def list_flavors(request):
    flavors = sorted(request.openstack.list_flavors(), key=lambda f: (f.ram_mb, f.vcpus, f.id))
    return request.ok([flavor_json(f) for f in flavors])


@view_config(
    route_name="server_flavor.item", request_method="GET", renderer=JSON, permission="authenticated"
)
def get_flavor(request):
    return request.ok(
        flavor_json(
            request.openstack.get_flavor(path_openstack_id(request, "flavor_id", "server-flavor"))
        )
    )
