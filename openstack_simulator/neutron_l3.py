"""Neutron v2.0: floating IPs from external networks, and security groups with their rules."""

from __future__ import annotations

import ipaddress

import webob

from openstack_simulator.http import (
    Ctx,
    bad_request,
    conflict,
    empty_response,
    json_response,
    not_found,
)
from openstack_simulator.neutron import allocate_ip, project, router, select, stamp
from openstack_simulator.state import Store, new_id

PROTOCOLS = {"tcp", "udp", "icmp", "icmpv6", "any", None}


# -- floating IPs ------------------------------------------------------------------------------
def _own(ctx: Ctx, kind: str, rid: str, message: str, kind_name: str) -> dict:
    doc = ctx.store.get(kind, rid)
    if doc is None or not (ctx.is_admin or doc["project_id"] == ctx.project_id):
        raise not_found(message, kind_name)
    return doc


def _fip_missing(fip_id: str) -> str:
    return f"Floating IP {fip_id} could not be found"


def associate(ctx: Ctx, fip: dict, port_id: str | None, fixed_ip: str | None = None) -> dict:
    if port_id is None:
        fip.update(port_id=None, fixed_ip_address=None, status="DOWN", router_id=None)
        return fip
    port = _own(ctx, "port", port_id, f"Port {port_id} could not be found.", "PortNotFound")
    address = fixed_ip or port["fixed_ips"][0]["ip_address"]
    for other in ctx.store.all("floatingip", port_id=port_id):
        if other["id"] != fip["id"] and other["fixed_ip_address"] == address:
            raise conflict(
                f"Cannot associate floating IP {fip['floating_ip_address']} ({fip['id']}) with "
                f"port {port_id} using fixed IP {address}, as that fixed IP already has a "
                f"floating IP on external network {other['floating_network_id']}.",
                "FloatingIPPortAlreadyAssociated",
            )
    fip.update(port_id=port_id, fixed_ip_address=address, status="ACTIVE")
    return fip


@router.route("GET", "/floatingips")
def list_floatingips(ctx: Ctx) -> webob.Response:
    fips = [
        f for f in select(ctx, "floatingip") if ctx.is_admin or f["project_id"] == ctx.project_id
    ]
    return json_response({"floatingips": project(ctx, fips)})


@router.route("GET", "/floatingips/{fip_id}")
def get_floatingip(ctx: Ctx, fip_id: str) -> webob.Response:
    fip = _own(ctx, "floatingip", fip_id, _fip_missing(fip_id), "FloatingIPNotFound")
    return json_response({"floatingip": fip})


@router.route("POST", "/floatingips")
def post_floatingip(ctx: Ctx) -> webob.Response:
    spec = ctx.json().get("floatingip")
    if not isinstance(spec, dict) or not spec.get("floating_network_id"):
        raise bad_request(
            "Invalid input for operation: 'floating_network_id' is required.", "InvalidInput"
        )
    network_id = spec["floating_network_id"]
    network = ctx.store.get("network", network_id)
    if network is None:
        raise not_found(f"Network {network_id} could not be found.", "NetworkNotFound")
    if not network.get("router:external"):
        raise bad_request(
            f"Bad floatingip request: Network {network_id} is not a valid external network.",
            "BadRequest",
        )
    with ctx.store.tx():
        _subnet, address = allocate_ip(ctx.store, network_id)
        fip = {
            "id": new_id(),
            "floating_ip_address": address,
            "floating_network_id": network_id,
            "router_id": None,
            "port_id": None,
            "fixed_ip_address": None,
            "status": "DOWN",
            "qos_policy_id": None,
            "port_details": None,
            "port_forwardings": [],
            "description": spec.get("description", ""),
        }
        stamp(
            fip,
            spec.get("project_id") if ctx.is_admin and spec.get("project_id") else ctx.project_id,
        )
        if spec.get("port_id"):
            associate(ctx, fip, spec["port_id"], spec.get("fixed_ip_address"))
        ctx.store.put("floatingip", fip)
    return json_response({"floatingip": fip}, 201)


@router.route("PUT", "/floatingips/{fip_id}")
def put_floatingip(ctx: Ctx, fip_id: str) -> webob.Response:
    fip = _own(ctx, "floatingip", fip_id, _fip_missing(fip_id), "FloatingIPNotFound")
    spec = ctx.json().get("floatingip")
    if not isinstance(spec, dict):
        raise bad_request("Invalid input for operation: floatingip body is required.")
    if "description" in spec:
        fip["description"] = spec["description"]
    if "port_id" in spec:
        associate(ctx, fip, spec["port_id"], spec.get("fixed_ip_address"))
        # Fault injection: the answer says associated, the cloud forgets it.
        if spec["port_id"] and ctx.store.take_fault("drop_floating_ip", "networking"):
            answer = dict(stamp(fip, fip["project_id"]))
            ctx.store.put(
                "floatingip", {**fip, "port_id": None, "fixed_ip_address": None, "status": "DOWN"}
            )
            return json_response({"floatingip": answer})
    ctx.store.put("floatingip", stamp(fip, fip["project_id"]))
    return json_response({"floatingip": fip})


@router.route("DELETE", "/floatingips/{fip_id}")
def delete_floatingip(ctx: Ctx, fip_id: str) -> webob.Response:
    _own(ctx, "floatingip", fip_id, _fip_missing(fip_id), "FloatingIPNotFound")
    ctx.store.delete("floatingip", fip_id)
    return empty_response(204)


# -- security groups ---------------------------------------------------------------------------
def make_rule(
    group: dict,
    direction: str,
    ethertype: str = "IPv4",
    protocol: str | None = None,
    port_min: int | None = None,
    port_max: int | None = None,
    remote_ip_prefix: str | None = None,
    remote_group_id: str | None = None,
    description: str = "",
) -> dict:
    rule = {
        "id": new_id(),
        "security_group_id": group["id"],
        "direction": direction,
        "ethertype": ethertype,
        "protocol": protocol,
        "port_range_min": port_min,
        "port_range_max": port_max,
        "remote_ip_prefix": remote_ip_prefix,
        "normalized_cidr": remote_ip_prefix,
        "remote_group_id": remote_group_id,
        "remote_address_group_id": None,
        "description": description,
        "belongs_to_default_sg": group["name"] == "default",
    }
    return stamp(rule, group["project_id"])


def create_security_group(store: Store, name: str, project_id: str, description: str = "") -> dict:
    group = {"id": new_id(), "name": name, "stateful": True, "shared": False}
    stamp(group, project_id)
    group["description"] = description
    group["security_group_rules"] = [
        make_rule(group, "egress", "IPv4"),
        make_rule(group, "egress", "IPv6"),
    ]
    if name == "default":
        group["security_group_rules"] += [
            make_rule(group, "ingress", "IPv4", remote_group_id=group["id"]),
            make_rule(group, "ingress", "IPv6", remote_group_id=group["id"]),
        ]
    return store.put("security_group", group)


def ensure_default_group(store: Store, project_id: str) -> dict:
    for group in store.all("security_group", project_id=project_id, name="default"):
        return group
    return create_security_group(store, "default", project_id, "Default security group")


def find_group(store: Store, project_id: str, ref: str) -> dict | None:
    """A project's security group by id or (unique) name, as Nova resolves them."""
    ensure_default_group(store, project_id)
    groups = store.all("security_group", project_id=project_id)
    by_id = [g for g in groups if g["id"] == ref]
    by_name = [g for g in groups if g["name"] == ref]
    found = by_id or by_name
    return found[0] if len(found) == 1 else None


def _group(ctx: Ctx, group_id: str) -> dict:
    return _own(
        ctx,
        "security_group",
        group_id,
        f"Security group {group_id} does not exist",
        "SecurityGroupNotFound",
    )


@router.route("GET", "/security-groups")
def list_groups(ctx: Ctx) -> webob.Response:
    ensure_default_group(ctx.store, ctx.project_id)
    groups = [
        g
        for g in select(ctx, "security_group")
        if ctx.is_admin or g["project_id"] == ctx.project_id
    ]
    return json_response({"security_groups": project(ctx, groups)})


@router.route("GET", "/security-groups/{group_id}")
def get_group(ctx: Ctx, group_id: str) -> webob.Response:
    return json_response({"security_group": _group(ctx, group_id)})


@router.route("POST", "/security-groups")
def post_group(ctx: Ctx) -> webob.Response:
    spec = ctx.json().get("security_group")
    if not isinstance(spec, dict) or not isinstance(spec.get("name", ""), str):
        raise bad_request("Invalid input for operation: security_group body is required.")
    if spec.get("name") == "default":
        raise conflict(
            "Default security group already exists.", "SecurityGroupDefaultAlreadyExists"
        )
    ensure_default_group(ctx.store, ctx.project_id)
    group = create_security_group(
        ctx.store, spec.get("name", ""), ctx.project_id, spec.get("description", "")
    )
    return json_response({"security_group": group}, 201)


@router.route("DELETE", "/security-groups/{group_id}")
def delete_group(ctx: Ctx, group_id: str) -> webob.Response:
    group = _group(ctx, group_id)
    if group["name"] == "default" and not ctx.is_admin:
        raise conflict(
            "Insufficient rights for removing default security group.",
            "SecurityGroupCannotRemoveDefault",
        )
    if any(group_id in p["security_groups"] for p in ctx.store.all("port")):
        raise conflict(f"Security Group {group_id} in use.", "SecurityGroupInUse")
    ctx.store.delete("security_group", group_id)
    return empty_response(204)


def _rule_spec(spec: dict) -> tuple:
    protocol = spec.get("protocol")
    protocol = None if protocol in ("any",) else protocol
    if protocol not in PROTOCOLS and not str(protocol).isdigit():
        raise bad_request(
            f"Security group rule protocol {protocol} not supported. Only protocol values "
            "[None, tcp, udp, icmp, icmpv6] and integer representations [0 to 255] are supported.",
            "SecurityGroupRuleInvalidProtocol",
        )
    if spec.get("direction") not in ("ingress", "egress"):
        raise bad_request(
            f"Invalid input for direction. Reason: {spec.get('direction')} is not in valid_values.",
            "InvalidInput",
        )
    pmin, pmax = spec.get("port_range_min"), spec.get("port_range_max")
    if protocol in ("tcp", "udp") and pmin is not None and pmax is not None and pmin > pmax:
        raise bad_request(
            "For TCP/UDP protocols, port_range_min must be <= port_range_max",
            "SecurityGroupInvalidPortRange",
        )
    prefix = spec.get("remote_ip_prefix")
    if prefix:
        try:
            prefix = str(ipaddress.ip_network(prefix, strict=False))
        except ValueError as exc:
            raise bad_request(
                f"Invalid input for remote_ip_prefix. Reason: '{prefix}' is not a valid IP subnet.",
                "InvalidInput",
            ) from exc
    return (
        spec["direction"],
        spec.get("ethertype", "IPv4"),
        protocol,
        pmin,
        pmax,
        prefix,
        spec.get("remote_group_id"),
    )


def _rule_key(rule: dict) -> tuple:
    return (
        rule["direction"],
        rule["ethertype"],
        rule["protocol"],
        rule["port_range_min"],
        rule["port_range_max"],
        rule["remote_ip_prefix"],
        rule["remote_group_id"],
    )


@router.route("POST", "/security-group-rules")
def post_rule(ctx: Ctx) -> webob.Response:
    spec = ctx.json().get("security_group_rule")
    if not isinstance(spec, dict):
        raise bad_request("Invalid input for operation: security_group_rule body is required.")
    group = _group(ctx, spec.get("security_group_id", ""))
    key = _rule_spec(spec)
    for rule in group["security_group_rules"]:
        if _rule_key(rule) == key:
            raise conflict(
                f"Security group rule already exists. Rule id is {rule['id']}.",
                "SecurityGroupRuleExists",
            )
    rule = make_rule(group, *key, description=spec.get("description", ""))
    group["security_group_rules"].append(rule)
    ctx.store.put("security_group", stamp(group, group["project_id"]))
    return json_response({"security_group_rule": rule}, 201)


def _all_rules(ctx: Ctx) -> list[dict]:
    return [
        rule
        for g in ctx.store.all("security_group")
        if ctx.is_admin or g["project_id"] == ctx.project_id
        for rule in g["security_group_rules"]
    ]


@router.route("GET", "/security-group-rules")
def list_rules(ctx: Ctx) -> webob.Response:
    return json_response(
        {"security_group_rules": project(ctx, select(ctx, "rule", _all_rules(ctx)))}
    )


@router.route("GET,DELETE", "/security-group-rules/{rule_id}")
def rule_item(ctx: Ctx, rule_id: str) -> webob.Response:
    for rule in _all_rules(ctx):
        if rule["id"] == rule_id:
            break
    else:
        raise not_found(
            f"Security group rule {rule_id} does not exist", "SecurityGroupRuleNotFound"
        )
    if ctx.request.method == "GET":
        return json_response({"security_group_rule": rule})
    group = ctx.store.get("security_group", rule["security_group_id"])
    group["security_group_rules"] = [r for r in group["security_group_rules"] if r["id"] != rule_id]
    ctx.store.put("security_group", stamp(group, group["project_id"]))
    return empty_response(204)
