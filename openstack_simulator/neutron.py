"""Neutron v2.0: networks, subnets with allocation pools, ports and the IP allocation behind them.

Floating IPs and security groups live in neutron_l3.py; both register on the same router.
"""

from __future__ import annotations

import ipaddress
import random

import webob

from openstack_simulator.http import (
    ApiError,
    Ctx,
    Router,
    bad_request,
    conflict,
    empty_response,
    forbidden,
    json_response,
    not_found,
)
from openstack_simulator.state import Store, isotime, new_id

router = Router()
BOOLEAN_FILTERS = {"router:external", "shared", "admin_state_up", "enable_dhcp"}


def versions_doc(base: str) -> dict:
    return {
        "versions": [
            {
                "id": "v2.0",
                "status": "CURRENT",
                "links": [{"href": f"{base}/networking/v2.0/", "rel": "self"}],
            }
        ]
    }


def stamp(doc: dict, project_id: str) -> dict:
    now = isotime()
    doc.setdefault("created_at", now)
    doc["updated_at"] = now
    doc["revision_number"] = doc.get("revision_number", -1) + 1
    doc.setdefault("project_id", project_id)
    doc["tenant_id"] = doc["project_id"]
    doc.setdefault("description", "")
    doc.setdefault("tags", [])
    return doc


def visible(ctx: Ctx, doc: dict) -> bool:
    if ctx.is_admin or doc.get("project_id") == ctx.project_id:
        return True
    return bool(doc.get("shared") or doc.get("router:external"))


def select(ctx: Ctx, kind: str, docs: list[dict] | None = None) -> list[dict]:
    """Neutron list semantics: equality filters (repeat a key to OR), visibility, `fields`."""
    docs = [d for d in (ctx.store.all(kind) if docs is None else docs) if visible(ctx, d)]
    for key in set(ctx.request.GET.keys()) - {"fields", "limit", "marker", "sort_key", "sort_dir"}:
        wanted = ctx.request.GET.getall(key)
        if key in BOOLEAN_FILTERS:
            wanted_b = {w.lower() == "true" for w in wanted}
            docs = [d for d in docs if bool(d.get(key)) in wanted_b]
        elif key == "tags":
            tags = {t for w in wanted for t in w.split(",")}
            docs = [d for d in docs if tags <= set(d.get("tags", []))]
        elif key == "fixed_ips":
            continue
        else:
            docs = [d for d in docs if str(d.get(key)) in wanted or d.get(key) in wanted]
    return docs


def project(ctx: Ctx, docs: list[dict]) -> list[dict]:
    fields = ctx.request.GET.getall("fields")
    if not fields:
        return docs
    return [{k: v for k, v in d.items() if k in fields} for d in docs]


def get_visible(ctx: Ctx, kind: str, rid: str, missing: str, missing_type: str) -> dict:
    doc = ctx.store.get(kind, rid)
    if doc is None or not visible(ctx, doc):
        raise not_found(missing, missing_type)
    return doc


# -- networks and subnets ----------------------------------------------------------------------
def create_network(
    store: Store, name: str, project_id: str, external: bool = False, shared: bool = False
) -> dict:
    network = {
        "id": new_id(),
        "name": name,
        "admin_state_up": True,
        "status": "ACTIVE",
        "subnets": [],
        "shared": shared,
        "router:external": external,
        "mtu": 1450,
        "port_security_enabled": True,
        "availability_zone_hints": [],
        "availability_zones": ["nova"],
        "ipv4_address_scope": None,
        "ipv6_address_scope": None,
        "l2_adjacency": True,
        "is_default": external,
    }
    return store.put("network", stamp(network, project_id))


def create_subnet(
    store: Store,
    network_id: str,
    cidr: str,
    name: str = "",
    pools: list[dict] | None = None,
    gateway_ip: str | None = None,
) -> dict:
    network = store.get("network", network_id)
    if network is None:
        raise not_found(f"Network {network_id} could not be found.", "NetworkNotFound")
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError as exc:
        raise bad_request(
            f"Invalid input for cidr. Reason: '{cidr}' is not a valid IP subnet."
        ) from exc
    hosts = list(net.hosts())
    gateway = gateway_ip or str(hosts[0])
    if not pools:
        pools = [{"start": str(hosts[1]), "end": str(hosts[-1])}]
    subnet = {
        "id": new_id(),
        "name": name,
        "network_id": network_id,
        "cidr": str(net),
        "ip_version": net.version,
        "gateway_ip": gateway,
        "allocation_pools": pools,
        "enable_dhcp": True,
        "dns_nameservers": [],
        "host_routes": [],
        "ipv6_address_mode": None,
        "ipv6_ra_mode": None,
        "subnetpool_id": None,
        "service_types": [],
        "dns_publish_fixed_ip": False,
    }
    stamp(subnet, network["project_id"])
    with store.tx():
        store.put("subnet", subnet)
        network["subnets"].append(subnet["id"])
        store.put("network", stamp(network, network["project_id"]))
    return subnet


def used_ips(store: Store, network_id: str) -> set[str]:
    used = {
        fixed["ip_address"]
        for port in store.all("port", network_id=network_id)
        for fixed in port["fixed_ips"]
    }
    used |= {
        fip["floating_ip_address"]
        for fip in store.all("floatingip", floating_network_id=network_id)
    }
    return used


def allocate_ip(store: Store, network_id: str) -> tuple[str, str]:
    """The first free address of the network's pools, as (subnet id, address)."""
    used = used_ips(store, network_id)
    for subnet in store.all("subnet", network_id=network_id):
        for pool in subnet["allocation_pools"]:
            start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
            address = start
            while address <= end:
                if str(address) not in used:
                    return subnet["id"], str(address)
                address += 1
    raise ApiError(
        409,
        f"No more IP addresses available on network {network_id}.",
        "IpAddressGenerationFailure",
    )


def network_view(doc: dict) -> dict:
    return dict(doc)


@router.route("GET", "/networks")
def list_networks(ctx: Ctx) -> webob.Response:
    return json_response({"networks": project(ctx, select(ctx, "network"))})


@router.route("GET", "/networks/{network_id}")
def get_network(ctx: Ctx, network_id: str) -> webob.Response:
    doc = get_visible(
        ctx, "network", network_id, f"Network {network_id} could not be found.", "NetworkNotFound"
    )
    return json_response({"network": doc})


@router.route("POST", "/networks")
def post_network(ctx: Ctx) -> webob.Response:
    spec = ctx.json().get("network") or {}
    external = bool(spec.get("router:external", False))
    if (external or spec.get("shared")) and not ctx.is_admin:
        raise forbidden(
            "(rule:create_network and rule:create_network:router:external) is disallowed by policy"
        )
    network = create_network(
        ctx.store,
        spec.get("name", ""),
        spec.get("project_id") or ctx.project_id,
        external,
        bool(spec.get("shared", False)),
    )
    return json_response({"network": network}, 201)


@router.route("DELETE", "/networks/{network_id}")
def delete_network(ctx: Ctx, network_id: str) -> webob.Response:
    get_visible(
        ctx, "network", network_id, f"Network {network_id} could not be found.", "NetworkNotFound"
    )
    if ctx.store.all("port", network_id=network_id) or ctx.store.all(
        "floatingip", floating_network_id=network_id
    ):
        raise conflict(
            f"Unable to complete operation on network {network_id}. There are one or more ports "
            "still in use on the network.",
            "NetworkInUse",
        )
    with ctx.store.tx():
        for subnet in ctx.store.all("subnet", network_id=network_id):
            ctx.store.delete("subnet", subnet["id"])
        ctx.store.delete("network", network_id)
    return empty_response(204)


@router.route("GET", "/subnets")
def list_subnets(ctx: Ctx) -> webob.Response:
    return json_response({"subnets": project(ctx, select(ctx, "subnet"))})


@router.route("GET", "/subnets/{subnet_id}")
def get_subnet(ctx: Ctx, subnet_id: str) -> webob.Response:
    doc = get_visible(
        ctx, "subnet", subnet_id, f"Subnet {subnet_id} could not be found.", "SubnetNotFound"
    )
    return json_response({"subnet": doc})


@router.route("POST", "/subnets")
def post_subnet(ctx: Ctx) -> webob.Response:
    spec = ctx.json().get("subnet") or {}
    if "network_id" not in spec or "cidr" not in spec:
        raise bad_request("Invalid input: network_id and cidr are required.")
    get_visible(
        ctx,
        "network",
        spec["network_id"],
        f"Network {spec['network_id']} could not be found.",
        "NetworkNotFound",
    )
    subnet = create_subnet(
        ctx.store,
        spec["network_id"],
        spec["cidr"],
        spec.get("name", ""),
        spec.get("allocation_pools"),
        spec.get("gateway_ip"),
    )
    return json_response({"subnet": subnet}, 201)


# -- ports -------------------------------------------------------------------------------------
def random_mac() -> str:
    rand = random.Random()  # noqa: S311 - a MAC address, not a secret
    return "fa:16:3e:" + ":".join(f"{rand.randrange(256):02x}" for _ in range(3))


def create_port(
    store: Store,
    network_id: str,
    project_id: str,
    device_id: str = "",
    device_owner: str = "",
    security_groups: list[str] | None = None,
    name: str = "",
) -> dict:
    with store.tx():
        subnet_id, address = allocate_ip(store, network_id)
        port = {
            "id": new_id(),
            "name": name,
            "network_id": network_id,
            "mac_address": random_mac(),
            "fixed_ips": [{"subnet_id": subnet_id, "ip_address": address}],
            "device_id": device_id,
            "device_owner": device_owner,
            "status": "DOWN",
            "admin_state_up": True,
            "security_groups": list(security_groups or []),
            "binding:vnic_type": "normal",
            "allowed_address_pairs": [],
            "extra_dhcp_opts": [],
            "port_security_enabled": True,
        }
        return store.put("port", stamp(port, project_id))


def delete_port(store: Store, port_id: str) -> None:
    """Remove a port; a floating IP bound to it stays allocated but is disassociated."""
    with store.tx():
        for fip in store.all("floatingip", port_id=port_id):
            fip.update(port_id=None, fixed_ip_address=None, status="DOWN", router_id=None)
            store.put("floatingip", stamp(fip, fip["project_id"]))
        store.delete("port", port_id)


@router.route("GET", "/ports")
def list_ports(ctx: Ctx) -> webob.Response:
    ports = [p for p in select(ctx, "port") if p["project_id"] == ctx.project_id or ctx.is_admin]
    return json_response({"ports": project(ctx, ports)})


@router.route("GET", "/ports/{port_id}")
def get_port(ctx: Ctx, port_id: str) -> webob.Response:
    port = ctx.store.get("port", port_id)
    if port is None or not (ctx.is_admin or port["project_id"] == ctx.project_id):
        raise not_found(f"Port {port_id} could not be found.", "PortNotFound")
    return json_response({"port": port})


@router.route("POST", "/ports")
def post_port(ctx: Ctx) -> webob.Response:
    spec = ctx.json().get("port") or {}
    network_id = spec.get("network_id", "")
    get_visible(
        ctx, "network", network_id, f"Network {network_id} could not be found.", "NetworkNotFound"
    )
    port = create_port(
        ctx.store,
        network_id,
        ctx.project_id,
        spec.get("device_id", ""),
        spec.get("device_owner", ""),
        spec.get("security_groups"),
        spec.get("name", ""),
    )
    return json_response({"port": port}, 201)


@router.route("DELETE", "/ports/{port_id}")
def remove_port(ctx: Ctx, port_id: str) -> webob.Response:
    port = ctx.store.get("port", port_id)
    if port is None or not (ctx.is_admin or port["project_id"] == ctx.project_id):
        raise not_found(f"Port {port_id} could not be found.", "PortNotFound")
    delete_port(ctx.store, port_id)
    return empty_response(204)
