"""Nova servers: boot from volume, list with filters, delete, reboot; GPUs from pci_devices."""

from __future__ import annotations

import re
import secrets

import webob

from openstack_simulator import cinder, neutron, neutron_l3
from openstack_simulator.http import (
    Ctx,
    bad_request,
    conflict,
    empty_response,
    forbidden,
    json_response,
    not_found,
    paginate,
)
from openstack_simulator.nova import find_flavor, keypair_id, links, router
from openstack_simulator.nova_views import addresses, server_view
from openstack_simulator.state import Store, isotime, new_id, transition

COMPUTE_HOST = "sim-compute-1"
DEFAULT_QUOTA = {"instances": 50, "cores": 200, "ram": 512000}
# pci_passthrough:alias names -> (vendor_id, product_id), as nova.conf's [pci] alias would say.
DEFAULT_PCI_ALIASES = {"K80": ["10de", "102d"], "K2_Grid": ["10de", "11bf"]}
NO_VALID_HOST = "No valid host was found. There are not enough hosts available."
TAG = re.compile(r"^[^,/]{1,60}$")


def _server(ctx: Ctx, server_id: str) -> dict:
    server = ctx.store.get("server", server_id)
    if server is None or not (ctx.is_admin or server["project_id"] == ctx.project_id):
        raise not_found(f"Instance {server_id} could not be found.")
    return server


# -- create ------------------------------------------------------------------------------------
def _pci_request(store: Store, flavor: dict) -> tuple[str, str, int] | None:
    alias = flavor["extra_specs"].get("pci_passthrough:alias")
    if not alias:
        return None
    name, _, count = alias.partition(":")
    aliases = store.setting("pci_aliases", DEFAULT_PCI_ALIASES)
    if name not in aliases:
        raise bad_request(f"PCI alias {name} is not defined")
    vendor, product = aliases[name]
    return vendor, product, int(count or 1)


def _check_quota(ctx: Ctx, flavor: dict) -> None:
    limits = {**DEFAULT_QUOTA, **ctx.store.setting(f"quota.compute.{ctx.project_id}", {})}
    mine = ctx.store.all("server", project_id=ctx.project_id)
    used = {
        "instances": len(mine),
        "cores": sum(s["flavor"]["vcpus"] for s in mine),
        "ram": sum(s["flavor"]["ram"] for s in mine),
    }
    wanted = {"instances": 1, "cores": flavor["vcpus"], "ram": flavor["ram"]}
    for resource in ("instances", "cores", "ram"):
        if used[resource] + wanted[resource] > limits[resource]:
            raise forbidden(
                f"Quota exceeded for {resource}: Requested {wanted[resource]}, but already used "
                f"{used[resource]} of {limits[resource]} {resource}"
            )


def _boot_volume(ctx: Ctx, spec: dict) -> tuple[str, bool]:
    bdms = spec.get("block_device_mapping_v2") or []
    if not isinstance(bdms, list):
        raise bad_request("Invalid input for field/attribute block_device_mapping_v2.")
    boot = [b for b in bdms if str(b.get("boot_index", "")) == "0"]
    if len(boot) != 1 or spec.get("imageRef"):
        raise bad_request(
            "Block Device Mapping is Invalid: Boot sequence for the instance and image/block "
            "device mapping combination is not valid."
        )
    bdm = boot[0]
    if bdm.get("source_type") != "volume" or bdm.get("destination_type", "volume") != "volume":
        raise bad_request("Block Device Mapping is Invalid: this cloud boots only from volumes.")
    volume = ctx.store.get("volume", str(bdm.get("uuid")))
    if volume is None or volume["project_id"] != ctx.project_id:
        raise bad_request(
            f"Block Device Mapping is Invalid: failed to get volume {bdm.get('uuid')}."
        )
    if volume["status"] != "available":
        raise bad_request(
            f"Invalid volume: volume '{volume['id']}' status must be 'available'. "
            f"Currently in '{volume['status']}'"
        )
    return volume["id"], bool(bdm.get("delete_on_termination", False))


def _networks(ctx: Ctx, spec: dict) -> list[str]:
    networks = spec.get("networks")
    if networks is None and ctx.mv(2, 37):
        raise bad_request("Invalid input for field/attribute networks. Value: None.")
    if networks in ("none", None):
        return []
    if networks == "auto" or not isinstance(networks, list):
        raise bad_request("Unable to automatically allocate a network for project")
    result = []
    for item in networks:
        uuid = item.get("uuid") if isinstance(item, dict) else None
        network = ctx.store.get("network", str(uuid))
        if network is None or not neutron.visible(ctx, network) or network["router:external"]:
            raise bad_request(f"Network {uuid} could not be found.")
        result.append(network["id"])
    return result


def _validate_meta(meta: object) -> dict:
    if not isinstance(meta, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and 0 < len(k) <= 255 and len(v) <= 255
        for k, v in meta.items()
    ):
        raise bad_request("Invalid input for field/attribute metadata.")
    return dict(meta)


@router.route("POST", "/servers")
def create_server(ctx: Ctx) -> webob.Response:
    spec = ctx.json().get("server")
    if not isinstance(spec, dict):
        raise bad_request("Invalid input for field/attribute server.")
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise bad_request("Invalid input for field/attribute name.")
    flavor = find_flavor(ctx.store, spec.get("flavorRef", ""))
    if flavor is None:
        raise bad_request("Invalid flavorRef provided.")
    volume_id, delete_on_termination = _boot_volume(ctx, spec)
    key_name = spec.get("key_name")
    if key_name and not ctx.store.get("keypair", keypair_id(ctx.user_id, key_name)):
        raise bad_request("Invalid key_name provided.")
    network_ids = _networks(ctx, spec)
    groups = []
    for ref in spec.get("security_groups") or [{"name": "default"}]:
        group = neutron_l3.find_group(ctx.store, ctx.project_id, str(ref.get("name")))
        if group is None:
            raise bad_request(f"Security group {ref.get('name')} not found.")
        groups.append(group)
    tags = spec.get("tags") or []
    if tags and not ctx.mv(2, 52):
        raise bad_request("Additional properties are not allowed ('tags' was unexpected)")
    if not all(isinstance(t, str) and TAG.match(t) for t in tags) or len(tags) > 50:
        raise bad_request("Invalid input for field/attribute tags.")
    hostname = spec.get("hostname")
    if hostname is not None and not ctx.mv(2, 90):
        raise bad_request("Additional properties are not allowed ('hostname' was unexpected)")
    metadata = _validate_meta(spec.get("metadata") or {})
    pci = _pci_request(ctx.store, flavor)
    now = isotime()
    server_id = new_id()
    with ctx.store.tx():
        _check_quota(ctx, flavor)
        ports = [
            neutron.create_port(
                ctx.store,
                net_id,
                ctx.project_id,
                server_id,
                "compute:nova",
                [g["id"] for g in groups],
            )
            for net_id in network_ids
        ]
        server = {
            "id": server_id,
            "name": name,
            "hostname": hostname or re.sub(r"[^a-z0-9-]", "-", name.lower())[:63].strip("-"),
            "description": spec.get("description"),
            "project_id": ctx.project_id,
            "user_id": ctx.user_id,
            "flavor": {
                k: flavor[k]
                for k in ("id", "name", "vcpus", "ram", "disk", "swap", "ephemeral", "extra_specs")
            },
            "key_name": key_name,
            "metadata": metadata,
            "tags": tags,
            "security_groups": [g["name"] for g in groups],
            "port_ids": [p["id"] for p in ports],
            "volumes": [{"id": volume_id, "delete_on_termination": delete_on_termination}],
            "status": "BUILD",
            "vm_state": "building",
            "task_state": "scheduling",
            "power_state": 0,
            "created": now,
            "updated": now,
            "instance_name": "instance-%08x" % (len(ctx.store.all("server")) + 1),
            "reservation_id": "r-" + secrets.token_hex(4),
            "pci": pci,
        }
        cinder.reserve(ctx.store, volume_id)
        ctx.store.put("server", server)
        failed = ctx.store.take_fault("boot_error", "compute") is not None
        ctx.store.schedule(ctx.delay("build"), "server.built", server_id, error=failed)
    body = {
        "id": server_id,
        "links": links(ctx, "servers", server_id),
        "OS-DCF:diskConfig": "MANUAL",
        "security_groups": [{"name": g["name"]} for g in groups],
        "adminPass": secrets.token_urlsafe(9),
    }
    return json_response({"server": body}, 202)


def _fail(store: Store, server: dict, message: str, now: float) -> None:
    server.update(status="ERROR", vm_state="error", task_state=None, power_state=0)
    server["fault"] = {
        "code": 500,
        "created": isotime(now),
        "message": message,
        "details": "Traceback: nova.exception.NoValidHost",
    }
    for volume in server["volumes"]:
        cinder.detach(store, volume["id"])


@transition("server.built")
def _built(store: Store, server_id: str, payload: dict, now: float) -> None:
    server = store.get("server", server_id)
    if server is None or server["vm_state"] != "building":
        return
    server["updated"] = isotime(now)
    pci = server.get("pci")
    if payload.get("error") or (pci and not store.allocate_pci(pci[0], pci[1], pci[2], server_id)):
        _fail(store, server, NO_VALID_HOST, now)
    else:
        server.update(
            status="ACTIVE",
            vm_state="active",
            task_state=None,
            power_state=1,
            host=COMPUTE_HOST,
            launched_at=isotime(now, micro=True),
        )
        for volume in server["volumes"]:
            cinder.attach(store, volume["id"], server_id, COMPUTE_HOST)
        for port_id in server["port_ids"]:
            port = store.get("port", port_id)
            if port:
                port.update(status="ACTIVE", **{"binding:host_id": COMPUTE_HOST})
                store.put("port", port)
    store.put("server", server)


# -- read --------------------------------------------------------------------------------------
def _matches(ctx: Ctx, server: dict) -> bool:
    query = ctx.request.GET
    if "name" in query and not re.search(query["name"], server["name"]):
        return False
    if "status" in query and server["status"] != query["status"].upper():
        return False
    if "flavor" in query and server["flavor"]["id"] != query["flavor"]:
        return False
    if "changes-since" in query and server["updated"] < query["changes-since"]:
        return False
    if "tags" in query and not set(query["tags"].split(",")) <= set(server["tags"]):
        return False
    if "tags-any" in query and not set(query["tags-any"].split(",")) & set(server["tags"]):
        return False
    if "not-tags" in query and set(query["not-tags"].split(",")) <= set(server["tags"]):
        return False
    if "ip" in query:
        ips = [a["addr"] for entries in addresses(ctx.store, server).values() for a in entries]
        if not any(re.search(query["ip"], ip) for ip in ips):
            return False
    return True


def _after_deleted_marker(ctx: Ctx, servers: list[dict]) -> list[dict]:
    """A marker naming a server deleted since the last page: Nova still finds it (it reads
    deleted rows), so the listing goes on after where it stood."""
    marker = ctx.request.GET.get("marker")
    ids = [s["id"] for s in servers]
    if not marker or marker in ids or ctx.store.get("server_tombstone", marker) is None:
        return servers
    seen = set()
    while marker not in ids:
        tomb = ctx.store.get("server_tombstone", marker)
        if tomb is None or marker in seen:
            return servers  # paginate() refuses the unknown marker
        seen.add(marker)
        marker = tomb["next"]
        if marker is None:
            ctx.request.GET.pop("marker", None)
            return []
        if marker in ids:
            ctx.request.GET.pop("marker", None)
            return servers[ids.index(marker) :]
    return servers


def _list(ctx: Ctx, detail: bool) -> webob.Response:
    query = ctx.request.GET
    everyone = ctx.is_admin and query.get("all_tenants", "0").lower() not in ("0", "false")
    servers = (
        ctx.store.all("server") if everyone else ctx.store.all("server", project_id=ctx.project_id)
    )
    if everyone and ("project_id" in query or "tenant_id" in query):
        wanted = query.get("project_id") or query.get("tenant_id")
        servers = [s for s in servers if s["project_id"] == wanted]
    servers = [s for s in reversed(servers) if _matches(ctx, s)]  # newest first
    servers = _after_deleted_marker(ctx, servers)
    page, next_marker = paginate(servers, ctx.request)
    if detail:
        items = [server_view(ctx, s, listing=True) for s in page]
    else:
        items = [
            {"id": s["id"], "name": s["name"], "links": links(ctx, "servers", s["id"])}
            for s in page
        ]
    body: dict = {"servers": items}
    if next_marker:
        path = "servers/detail" if detail else "servers"
        body["servers_links"] = [
            {"rel": "next", "href": f"{ctx.base}/compute/v2.1/{path}?marker={next_marker}"}
        ]
    return json_response(body)


@router.route("GET", "/servers")
def list_servers(ctx: Ctx) -> webob.Response:
    return _list(ctx, detail=False)


@router.route("GET", "/servers/detail")
def list_servers_detail(ctx: Ctx) -> webob.Response:
    return _list(ctx, detail=True)


@router.route("GET", "/servers/{server_id}")
def show_server(ctx: Ctx, server_id: str) -> webob.Response:
    return json_response({"server": server_view(ctx, _server(ctx, server_id))})


@router.route("GET", "/servers/{server_id}/ips")
def server_ips(ctx: Ctx, server_id: str) -> webob.Response:
    return json_response({"addresses": addresses(ctx.store, _server(ctx, server_id))})


# -- delete and actions ------------------------------------------------------------------------
@router.route("DELETE", "/servers/{server_id}")
def delete_server(ctx: Ctx, server_id: str) -> webob.Response:
    server = _server(ctx, server_id)
    if server["task_state"] != "deleting":
        server.update(task_state="deleting", updated=isotime())
        with ctx.store.tx():
            ctx.store.put("server", server)
            ctx.store.schedule(ctx.delay("delete"), "server.deleted", server_id)
    return empty_response(204)


@transition("server.deleted")
def _deleted(store: Store, server_id: str, payload: dict, now: float) -> None:
    server = store.get("server", server_id)
    if server is None:
        return
    for port_id in server["port_ids"]:
        neutron.delete_port(store, port_id)
    for volume in server["volumes"]:
        cinder.detach(store, volume["id"])
        if volume["delete_on_termination"]:
            store.delete("volume", volume["id"])
    store.release_pci(server_id)
    # Real Nova soft-deletes: a deleted server still places a paging marker. Remember which
    # server came next (older) in the project's listing.
    siblings = [s["id"] for s in store.all("server", project_id=server.get("project_id"))]
    index = siblings.index(server_id)
    store.put("server_tombstone", {"id": server_id, "next": siblings[index - 1] if index else None})
    store.delete("server", server_id)


@router.route("POST", "/servers/{server_id}/action")
def server_action(ctx: Ctx, server_id: str) -> webob.Response:
    server = _server(ctx, server_id)
    body = ctx.json()
    if "reboot" not in body:
        raise bad_request(f"There is no such action: {','.join(body) or 'None'}")
    kind = str((body["reboot"] or {}).get("type", "")).upper()
    if kind not in ("SOFT", "HARD"):
        raise bad_request(f"Invalid input for field/attribute type. Value: {kind}.")
    if server["task_state"] == "deleting" or server["vm_state"] not in ("active", "stopped"):
        state = (
            "task_state deleting"
            if server["task_state"] == "deleting"
            else (f"vm_state {server['vm_state']}")
        )
        raise conflict(f"Cannot 'reboot' instance {server_id} while it is in {state}")
    if server["task_state"] is not None and kind == "SOFT":
        raise conflict(
            f"Cannot 'reboot' instance {server_id} while it is in task_state {server['task_state']}"
        )
    server.update(
        status="REBOOT" if kind == "SOFT" else "HARD_REBOOT",
        task_state="rebooting" if kind == "SOFT" else "rebooting_hard",
        updated=isotime(),
    )
    with ctx.store.tx():
        ctx.store.put("server", server)
        ctx.store.schedule(ctx.delay("reboot"), "server.rebooted", server_id)
    return empty_response(202)


@transition("server.rebooted")
def _rebooted(store: Store, server_id: str, payload: dict, now: float) -> None:
    server = store.get("server", server_id)
    if server is None or server["task_state"] not in ("rebooting", "rebooting_hard"):
        return
    server.update(
        status="ACTIVE", vm_state="active", task_state=None, power_state=1, updated=isotime(now)
    )
    store.put("server", server)
