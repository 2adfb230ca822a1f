"""Client-library payloads (plain dicts, as the REST APIs return them) -> the interface's values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudcontroller.openstack.interfaces import (
    Address,
    Flavor,
    FloatingIP,
    Image,
    SecurityGroup,
    SecurityGroupRule,
    Server,
    Volume,
)


def to_flavor(info: Mapping[str, Any]) -> Flavor:
    return Flavor(
        id=str(info["id"]),
        name=info["name"],
        ram_mb=int(info["ram"]),
        disk_gb=int(info["disk"]),
        vcpus=int(info["vcpus"]),
        is_public=bool(info.get("os-flavor-access:is_public", True)),
        extra_specs=dict(info.get("extra_specs") or {}),
    )


CORE_IMAGE_KEYS = {
    "id",
    "name",
    "status",
    "visibility",
    "protected",
    "owner",
    "min_disk",
    "min_ram",
    "container_format",
    "disk_format",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "os_hidden",
    "tags",
    "created_at",
    "updated_at",
    "self",
    "file",
    "schema",
    "locations",
    "direct_url",
    "stores",
}


def to_image(info: Mapping[str, Any]) -> Image:
    return Image(
        id=info["id"],
        name=info.get("name") or "",
        status=info.get("status", ""),
        visibility=info.get("visibility", ""),
        owner=info.get("owner"),
        min_disk_gb=int(info.get("min_disk") or 0),
        min_ram_mb=int(info.get("min_ram") or 0),
        size_bytes=info.get("size"),
        properties={k: str(v) for k, v in info.items() if k not in CORE_IMAGE_KEYS},
        created_at=info.get("created_at") or "",
    )


def to_volume(info: Mapping[str, Any]) -> Volume:
    image_meta = info.get("volume_image_metadata") or {}
    return Volume(
        id=info["id"],
        name=info.get("name"),
        size_gb=int(info["size"]),
        status=info["status"],
        bootable=str(info.get("bootable", "false")).lower() == "true",
        metadata=dict(info.get("metadata") or {}),
        attached_server_ids=tuple(a["server_id"] for a in info.get("attachments") or []),
        image_id=image_meta.get("image_id"),
    )


def to_server(info: Mapping[str, Any]) -> Server:
    addresses = tuple(
        Address(
            network=network,
            ip=entry["addr"],
            kind=entry.get("OS-EXT-IPS:type", "fixed"),
            mac=entry.get("OS-EXT-IPS-MAC:mac_addr"),
        )
        for network, entries in (info.get("addresses") or {}).items()
        for entry in entries
    )
    flavor = info.get("flavor") or {}
    fault = info.get("fault") or {}
    return Server(
        id=info["id"],
        name=info["name"],
        status=info["status"],
        task_state=info.get("OS-EXT-STS:task_state"),
        flavor_name=flavor.get("original_name"),
        metadata=dict(info.get("metadata") or {}),
        tags=tuple(info.get("tags") or ()),
        addresses=addresses,
        volume_ids=tuple(v["id"] for v in info.get("os-extended-volumes:volumes_attached", [])),
        key_name=info.get("key_name"),
        security_groups=tuple(g["name"] for g in info.get("security_groups") or []),
        hostname=info.get("OS-EXT-SRV-ATTR:hostname"),
        created=info.get("created", ""),
        fault_message=fault.get("message"),
    )


def to_floating_ip(info: Mapping[str, Any]) -> FloatingIP:
    return FloatingIP(
        id=info["id"],
        address=info["floating_ip_address"],
        network_id=info["floating_network_id"],
        port_id=info.get("port_id"),
        fixed_ip=info.get("fixed_ip_address"),
        status=info.get("status", ""),
        description=info.get("description") or "",
    )


def to_security_group(info: Mapping[str, Any]) -> SecurityGroup:
    rules = tuple(
        SecurityGroupRule(
            direction=r["direction"],
            ethertype=r.get("ethertype", "IPv4"),
            protocol=r.get("protocol"),
            port_min=r.get("port_range_min"),
            port_max=r.get("port_range_max"),
            remote_ip_prefix=r.get("remote_ip_prefix"),
        )
        for r in info.get("security_group_rules") or []
    )
    return SecurityGroup(
        id=info["id"],
        name=info["name"],
        description=info.get("description") or "",
        rules=rules,
    )


def wanted_rules(allow_rdp: bool, compute_node_cidrs: Sequence[str]) -> list[dict]:
    """The ingress rules of an SCM instance's security group (openstack.allow_rdp,
    openstack.compute_node_ranges)."""
    rules = [
        {
            "protocol": "tcp",
            "port_range_min": 22,
            "port_range_max": 22,
            "remote_ip_prefix": "0.0.0.0/0",
        }
    ]
    if allow_rdp:
        rules += [
            {
                "protocol": proto,
                "port_range_min": 3389,
                "port_range_max": 3389,
                "remote_ip_prefix": "0.0.0.0/0",
            }
            for proto in ("tcp", "udp")
        ]
    rules += [
        {
            "protocol": "tcp",
            "port_range_min": 1024,
            "port_range_max": 65535,
            "remote_ip_prefix": cidr,
        }
        for cidr in compute_node_cidrs
    ]
    return rules
