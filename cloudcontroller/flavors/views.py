"""``/server-flavor``: Nova's flavors, read-only (seed 1.9.2)."""

from __future__ import annotations

from pyramid.view import view_config, view_defaults

from cloudcontroller.openstack.interfaces import Flavor
from common.params import path_openstack_id


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


@view_defaults(renderer="scm_json", request_method="GET", permission="flavor:view")
class FlavorViews:
    """Nova's answer as it is: no service of ours stands between (nothing to decide)."""

    def __init__(self, request):
        self.request = request

    @view_config(route_name="server_flavor.collection")
    def list(self):
        found = self.request.openstack.list_flavors()
        flavors = sorted(found, key=lambda f: (f.ram_mb, f.vcpus, f.id))
        return self.request.ok([flavor_json(f) for f in flavors])

    @view_config(route_name="server_flavor.item")
    def get(self):
        flavor_id = path_openstack_id(self.request, "flavor_id", "server-flavor")
        return self.request.ok(flavor_json(self.request.openstack.get_flavor(flavor_id)))
