"""Nova's server views: the detail body at each microversion, and the addresses block."""

from __future__ import annotations

import hashlib

from openstack_simulator.http import Ctx
from openstack_simulator.nova import links
from openstack_simulator.state import Store


def addresses(store: Store, server: dict) -> dict:
    if server["vm_state"] == "building":
        return {}
    result: dict[str, list] = {}
    for port_id in server["port_ids"]:
        port = store.get("port", port_id)
        if port is None:
            continue
        network = store.get("network", port["network_id"]) or {"name": port["network_id"]}
        entries = result.setdefault(network["name"], [])
        for fixed in port["fixed_ips"]:
            entries.append(
                {
                    "version": 4,
                    "addr": fixed["ip_address"],
                    "OS-EXT-IPS:type": "fixed",
                    "OS-EXT-IPS-MAC:mac_addr": port["mac_address"],
                }
            )
        for fip in store.all("floatingip", port_id=port_id):
            entries.append(
                {
                    "version": 4,
                    "addr": fip["floating_ip_address"],
                    "OS-EXT-IPS:type": "floating",
                    "OS-EXT-IPS-MAC:mac_addr": port["mac_address"],
                }
            )
    return result


def server_view(ctx: Ctx, server: dict, listing: bool = False) -> dict:
    """Nova's detail view; `listing` leaves out what only GET /servers/{id} shows."""
    flavor = server["flavor"]
    if ctx.mv(2, 47):
        flavor_view = {k: flavor[k] for k in ("vcpus", "ram", "disk", "ephemeral", "swap")}
        flavor_view["original_name"] = flavor["name"]
        flavor_view["extra_specs"] = dict(flavor["extra_specs"])
    else:
        flavor_view = {"id": flavor["id"], "links": links(ctx, "flavors", flavor["id"])[1:]}
    host_id = ""
    if server.get("host"):
        host_id = hashlib.sha224((server["project_id"] + server["host"]).encode()).hexdigest()
    view = {
        "id": server["id"],
        "name": server["name"],
        "status": server["status"],
        "tenant_id": server["project_id"],
        "user_id": server["user_id"],
        "metadata": dict(server["metadata"]),
        "hostId": host_id,
        "image": "",
        "flavor": flavor_view,
        "created": server["created"],
        "updated": server["updated"],
        "addresses": addresses(ctx.store, server),
        "accessIPv4": "",
        "accessIPv6": "",
        "links": links(ctx, "servers", server["id"]),
        "OS-DCF:diskConfig": "MANUAL",
        "progress": 0,
        "OS-EXT-AZ:availability_zone": "nova" if server.get("host") else "",
        "config_drive": "",
        "key_name": server["key_name"],
        "OS-SRV-USG:launched_at": server.get("launched_at"),
        "OS-SRV-USG:terminated_at": None,
        "OS-EXT-STS:task_state": server["task_state"],
        "OS-EXT-STS:vm_state": server["vm_state"],
        "OS-EXT-STS:power_state": server["power_state"],
        "os-extended-volumes:volumes_attached": [
            {"id": v["id"], "delete_on_termination": v["delete_on_termination"]}
            if ctx.mv(2, 3)
            else {"id": v["id"]}
            for v in server["volumes"]
        ],
    }
    if server["security_groups"]:
        view["security_groups"] = [{"name": name} for name in server["security_groups"]]
    if server.get("fault"):
        view["fault"] = dict(server["fault"])
    if ctx.is_admin:
        view["OS-EXT-SRV-ATTR:host"] = server.get("host")
        view["OS-EXT-SRV-ATTR:hypervisor_hostname"] = server.get("host")
        view["OS-EXT-SRV-ATTR:instance_name"] = server["instance_name"]
        if ctx.mv(2, 3):
            view.update(
                {
                    "OS-EXT-SRV-ATTR:hostname": server["hostname"],
                    "OS-EXT-SRV-ATTR:reservation_id": server["reservation_id"],
                    "OS-EXT-SRV-ATTR:launch_index": 0,
                    "OS-EXT-SRV-ATTR:kernel_id": "",
                    "OS-EXT-SRV-ATTR:ramdisk_id": "",
                    "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                    "OS-EXT-SRV-ATTR:user_data": None,
                }
            )
    if ctx.mv(2, 90):
        view["OS-EXT-SRV-ATTR:hostname"] = server["hostname"]
    if ctx.mv(2, 9):
        view["locked"] = False
    if ctx.mv(2, 16):
        view["host_status"] = "UP" if server.get("host") else ""
    if ctx.mv(2, 19):
        view["description"] = server.get("description")
    if ctx.mv(2, 26):
        view["tags"] = list(server["tags"])
    if ctx.mv(2, 63):
        view["trusted_image_certificates"] = None
    if ctx.mv(2, 71) and not listing:
        view["server_groups"] = []
    if ctx.mv(2, 73):
        view["locked_reason"] = None
    return view
