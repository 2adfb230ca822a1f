"""Registration and smoke steps of the SCM OpenStack test stack.

Run by scripts/openstack-test-stack with the stack's own virtualenv python:
    ots_setup.py STACK_JSON {catalog|resources|smoke}

Every step is idempotent: it looks a resource up by name before creating it.
"""

import json
import os
import sys
import time

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

ADMIN = ("admin", "admin")  # (username, project) created by keystone-manage bootstrap
CATALOG = [
    # (service name, type, port key, path)
    ("glance", "image", "glance", ""),
    ("placement", "placement", "placement", ""),
    ("nova", "compute", "nova", "/v2.1"),
    ("neutron", "network", "neutron", ""),
    ("cinderv3", "volumev3", "cinder", "/v3/%(project_id)s"),
    ("cinder", "block-storage", "cinder", "/v3/%(project_id)s"),
]
SERVICE_USERS = ["glance", "placement", "nova", "neutron", "cinder"]
FLAVORS = [
    # id, name, ram MB, disk GB, vcpus, extra specs
    ("1", "m1.tiny", 512, 1, 1, {}),
    ("2", "m1.small", 2048, 20, 1, {}),
    ("3", "m1.medium", 4096, 40, 2, {}),
    ("4", "m1.large", 8192, 80, 4, {}),
    ("5", "m1.xlarge", 16384, 160, 8, {}),
    ("6", "g1.gpu", 8192, 40, 4, {"gpu": "true", "pci_passthrough:alias": "K80:1"}),
]
NOVA_MICROVERSION = "2.79"


class SetupError(Exception):
    pass


def log(msg):
    print("  " + msg, flush=True)


def session(cfg, username, password, project):
    auth = v3.Password(
        auth_url=cfg["auth_url"],
        username=username,
        password=password,
        project_name=project,
        user_domain_name="Default",
        project_domain_name="Default",
    )
    return ks_session.Session(auth=auth)


def admin_session(cfg):
    return session(cfg, ADMIN[0], cfg["admin_password"], ADMIN[1])


def call(sess, method, service_type, path, body=None, ok=(200, 201, 202, 204), **kw):
    headers = kw.pop("headers", {})
    resp = sess.request(
        path,
        method,
        json=body,
        raise_exc=False,
        headers=headers,
        endpoint_filter={
            "service_type": service_type,
            "interface": "public",
            "region_name": kw.pop("region", None),
        },
        **kw,
    )
    if resp.status_code not in ok:
        raise SetupError(f"{method} {service_type} {path} -> {resp.status_code} {resp.text[:300]}")
    return resp.json() if resp.content and "json" in resp.headers.get("content-type", "") else {}


def identity(sess, method, path, body=None, ok=(200, 201, 204)):
    return call(sess, method, "identity", path, body, ok=ok)


def find_one(items, **match):
    for item in items:
        if all(item.get(k) == v for k, v in match.items()):
            return item
    return None


def ensure_project(sess, name, description):
    found = identity(sess, "GET", f"/projects?name={name}&domain_id=default")["projects"]
    if found:
        return found[0]["id"]
    return identity(
        sess,
        "POST",
        "/projects",
        {"project": {"name": name, "domain_id": "default", "description": description}},
    )["project"]["id"]


def ensure_user(sess, name, password, project_id):
    found = identity(sess, "GET", f"/users?name={name}&domain_id=default")["users"]
    if found:
        uid = found[0]["id"]
        identity(sess, "PATCH", f"/users/{uid}", {"user": {"password": password}})
        return uid
    return identity(
        sess,
        "POST",
        "/users",
        {
            "user": {
                "name": name,
                "password": password,
                "domain_id": "default",
                "default_project_id": project_id,
                "enabled": True,
            }
        },
    )["user"]["id"]


def role_id(sess, name):
    found = identity(sess, "GET", f"/roles?name={name}")["roles"]
    if found:
        return found[0]["id"]
    return identity(sess, "POST", "/roles", {"role": {"name": name}})["role"]["id"]


def grant(sess, project_id, user_id, rid):
    identity(sess, "PUT", f"/projects/{project_id}/users/{user_id}/roles/{rid}")


# ---------------------------------------------------------------- catalog
def cmd_catalog(cfg):
    sess = admin_session(cfg)
    service_project = ensure_project(sess, "service", "OpenStack service users")
    admin_role, service_role = role_id(sess, "admin"), role_id(sess, "service")
    for name in SERVICE_USERS:
        uid = ensure_user(sess, name, cfg["service_password"], service_project)
        grant(sess, service_project, uid, admin_role)
        grant(sess, service_project, uid, service_role)
    services = identity(sess, "GET", "/services")["services"]
    endpoints = identity(sess, "GET", "/endpoints")["endpoints"]
    for name, stype, port_key, path in CATALOG:
        svc = find_one(services, name=name, type=stype)
        if svc is None:
            svc = identity(
                sess,
                "POST",
                "/services",
                {"service": {"name": name, "type": stype, "enabled": True}},
            )["service"]
        url = f"http://127.0.0.1:{cfg['ports'][port_key]}{path}"
        for iface in ("public", "internal", "admin"):
            ep = find_one(endpoints, service_id=svc["id"], interface=iface)
            if ep is None:
                identity(
                    sess,
                    "POST",
                    "/endpoints",
                    {
                        "endpoint": {
                            "service_id": svc["id"],
                            "interface": iface,
                            "url": url,
                            "region_id": cfg["region"],
                        }
                    },
                )
            elif ep["url"] != url:
                identity(sess, "PATCH", f"/endpoints/{ep['id']}", {"endpoint": {"url": url}})
    log(f"catalog: {len(CATALOG)} services, {len(SERVICE_USERS)} service users")


# ---------------------------------------------------------------- resources
def ensure_network(sess, name, project_id, body, subnet):
    nets = call(sess, "GET", "network", f"/v2.0/networks?name={name}")["networks"]
    if nets:
        net = nets[0]
    else:
        net = call(
            sess,
            "POST",
            "network",
            "/v2.0/networks",
            {"network": dict(name=name, project_id=project_id, **body)},
        )["network"]
    subs = call(sess, "GET", "network", f"/v2.0/subnets?network_id={net['id']}")["subnets"]
    if subs:
        sub = subs[0]
    else:
        sub = call(
            sess,
            "POST",
            "network",
            "/v2.0/subnets",
            {"subnet": dict(network_id=net["id"], project_id=project_id, ip_version=4, **subnet)},
        )["subnet"]
    return net, sub


def ensure_router(sess, name, project_id, ext_net, subnet):
    routers = call(sess, "GET", "network", f"/v2.0/routers?name={name}")["routers"]
    if routers:
        router = routers[0]
    else:
        router = call(
            sess,
            "POST",
            "network",
            "/v2.0/routers",
            {
                "router": {
                    "name": name,
                    "project_id": project_id,
                    "external_gateway_info": {"network_id": ext_net["id"]},
                }
            },
        )["router"]
    ports = call(
        sess,
        "GET",
        "network",
        f"/v2.0/ports?device_id={router['id']}&network_id={subnet['network_id']}",
    )["ports"]
    if not ports:
        call(
            sess,
            "PUT",
            "network",
            f"/v2.0/routers/{router['id']}/add_router_interface",
            {"subnet_id": subnet["id"]},
        )
    return router


def ensure_flavors(sess):
    from novaclient import client as nova_client

    nova = nova_client.Client(NOVA_MICROVERSION, session=sess)
    existing = {f.id: f for f in nova.flavors.list(is_public=None)}
    for fid, name, ram, disk, vcpus, specs in FLAVORS:
        flavor = existing.get(fid)
        if flavor is None:
            flavor = nova.flavors.create(name, ram, vcpus, disk, flavorid=fid, is_public=True)
        if specs and flavor.get_keys() != specs:
            flavor.set_keys(specs)


def ensure_image(sess, cfg):
    name = cfg["image_name"]
    images = call(sess, "GET", "image", f"/v2/images?name={name}")["images"]
    image = images[0] if images else None
    if image is not None and image["status"] != "active":
        call(sess, "DELETE", "image", f"/v2/images/{image['id']}")
        image = None
    if image is None:
        image = call(
            sess,
            "POST",
            "image",
            "/v2/images",
            {
                "name": name,
                "disk_format": "raw",
                "container_format": "bare",
                "visibility": "public",
                "min_disk": 1,
                "min_ram": 0,
                "image_type": "loginnode",
                "active": "true",
                "is_linux": "true",
            },
        )
        data = b"\0" * (1024 * 1024)  # 1 MiB of raw zeros: a valid 'raw' image
        call(
            sess,
            "PUT",
            "image",
            f"/v2/images/{image['id']}/file",
            None,
            data=data,
            headers={"Content-Type": "application/octet-stream"},
        )
    return image["id"]


def wait(what, predicate, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise SetupError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def wait_compute_ready(sess):
    def placement_has_inventory():
        rps = call(sess, "GET", "placement", "/resource_providers")["resource_providers"]
        for rp in rps:
            inv = call(sess, "GET", "placement", f"/resource_providers/{rp['uuid']}/inventories")[
                "inventories"
            ]
            if "VCPU" in inv:
                return True
        return False

    wait("nova-compute inventory in placement", placement_has_inventory, 90)

    def hypervisor_mapped():
        hyp = call(
            sess,
            "GET",
            "compute",
            "/os-hypervisors",
            headers={"OpenStack-API-Version": "compute 2.53"},
        )["hypervisors"]
        return any(h.get("state") == "up" for h in hyp)

    wait("nova-compute mapped and up", hypervisor_mapped, 60)

    def cinder_volume_up():
        svcs = call(sess, "GET", "volumev3", "/os-services?binary=cinder-volume")["services"]
        return any(s["state"] == "up" and s["status"] == "enabled" for s in svcs)

    wait("cinder-volume up", cinder_volume_up, 60)


def cmd_resources(cfg):
    sess = admin_session(cfg)
    project = ensure_project(sess, cfg["project_name"], "Scyld Cloud Manager")
    user = ensure_user(sess, cfg["username"], cfg["password"], project)
    grant(sess, project, user, role_id(sess, "admin"))
    grant(sess, project, user, role_id(sess, "member"))
    admin_project = identity(sess, "GET", "/projects?name=admin")["projects"][0]["id"]
    ext_net, _ext_sub = ensure_network(
        sess,
        cfg["external_network"],
        admin_project,
        {
            "router:external": True,
            "shared": False,
            "provider:network_type": "flat",
            "provider:physical_network": "public",
        },
        {
            "name": "public-subnet",
            "cidr": "203.0.113.0/24",
            "gateway_ip": "203.0.113.1",
            "enable_dhcp": False,
            "allocation_pools": [{"start": "203.0.113.10", "end": "203.0.113.19"}],
        },
    )
    _priv_net, priv_sub = ensure_network(
        sess,
        cfg["private_network"],
        project,
        {},
        {
            "name": cfg["private_network"] + "-subnet",
            "cidr": "10.42.0.0/24",
            "gateway_ip": "10.42.0.1",
            "enable_dhcp": True,
            "dns_nameservers": [],
        },
    )
    ensure_router(sess, "scm-router", project, ext_net, priv_sub)
    log(
        f"networks: {cfg['external_network']} (external, 10 floating IPs), "
        f"{cfg['private_network']} + router"
    )
    ensure_flavors(sess)
    log("flavors: " + ", ".join(f[1] for f in FLAVORS))
    image_id = ensure_image(sess, cfg)
    log(f"image: {cfg['image_name']} {image_id}")
    wait_compute_ready(sess)
    log("nova-compute and cinder-volume are up")
    env = {
        k: cfg[k]
        for k in (
            "auth_url",
            "username",
            "password",
            "project_name",
            "user_domain_name",
            "project_domain_name",
            "region_name",
            "private_network",
            "external_network",
            "image_name",
            "flavor_name",
            "gpu_flavor_name",
            "nova_db_url",
        )
    }
    env["endpoints"] = {
        stype: f"http://127.0.0.1:{cfg['ports'][key]}{path}" for _n, stype, key, path in CATALOG
    }
    env["endpoints"]["identity"] = cfg["auth_url"]
    tmp = cfg["env_json"] + ".tmp"
    os.makedirs(os.path.dirname(cfg["env_json"]), exist_ok=True)
    with open(tmp, "w") as f:
        json.dump(env, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, cfg["env_json"])
    log("wrote " + cfg["env_json"])


# ---------------------------------------------------------------- smoke
def boot_from_volume(nova, cinder, env, flavor_name, label, timings, check_pci=None):
    image = nova.glance.find_image(env["image_name"])
    flavor = nova.flavors.find(name=flavor_name)
    net = nova.neutron.find_network(env["private_network"])
    t0 = time.monotonic()
    vol = cinder.volumes.create(size=1, name=f"ots-smoke-{label}", imageRef=image.id)
    vol = wait(
        f"volume {vol.id} available",
        lambda: _status(cinder.volumes.get(vol.id), "available", "error"),
        60,
        0.3,
    )
    timings[f"{label} volume from image"] = time.monotonic() - t0
    t0 = time.monotonic()
    server = nova.servers.create(
        f"ots-smoke-{label}",
        image=None,
        flavor=flavor.id,
        nics=[{"net-id": net.id}],
        block_device_mapping_v2=[
            {
                "uuid": vol.id,
                "source_type": "volume",
                "destination_type": "volume",
                "boot_index": 0,
                "delete_on_termination": False,
            }
        ],
    )
    try:
        wait(
            f"server {server.id} ACTIVE",
            lambda: _status(nova.servers.get(server.id), "ACTIVE", "ERROR"),
            120,
            0.3,
        )
        timings[f"{label} boot to ACTIVE"] = time.monotonic() - t0
        if check_pci:
            check_pci(server.id)
        else:
            t0 = time.monotonic()
            floating_ip_cycle(nova.client.session, env, server.id)
            timings[f"{label} floating IP attach/free"] = time.monotonic() - t0
    finally:
        t0 = time.monotonic()
        nova.servers.delete(server.id)
        wait(f"server {server.id} deleted", lambda: _gone(nova.servers, server.id), 120, 0.3)
        wait(
            f"volume {vol.id} detached",
            lambda: _status(cinder.volumes.get(vol.id), "available", "error"),
            60,
            0.3,
        )
        cinder.volumes.delete(vol.id)
        wait(f"volume {vol.id} deleted", lambda: _gone(cinder.volumes, vol.id), 60, 0.3)
        timings[f"{label} delete server + volume"] = time.monotonic() - t0


def floating_ip_cycle(sess, env, server_id):
    """Allocate a floating IP on the external network, put it on the server's port, free it."""
    ext = call(sess, "GET", "network", f"/v2.0/networks?name={env['external_network']}")
    ports = call(sess, "GET", "network", f"/v2.0/ports?device_id={server_id}")["ports"]
    if not ports:
        raise SetupError(f"server {server_id} has no port")
    fip = call(
        sess,
        "POST",
        "network",
        "/v2.0/floatingips",
        {
            "floatingip": {
                "floating_network_id": ext["networks"][0]["id"],
                "port_id": ports[0]["id"],
            }
        },
    )
    fip = fip["floatingip"]
    try:
        if fip.get("port_id") != ports[0]["id"] or not fip.get("fixed_ip_address"):
            raise SetupError(f"floating IP {fip['id']} not associated: {fip}")
    finally:
        call(sess, "DELETE", "network", f"/v2.0/floatingips/{fip['id']}")


def _status(obj, good, bad):
    status = getattr(obj, "status", "")
    if status.lower() == bad.lower():
        fault = getattr(obj, "fault", {}) or {}
        raise SetupError(
            f"{type(obj).__name__} {obj.id} went to {status} {fault.get('message', '')}"
        )
    return obj if status.lower() == good.lower() else None


def _gone(manager, oid):
    try:
        manager.get(oid)
    except Exception as exc:  # novaclient/cinderclient NotFound
        if getattr(exc, "code", None) == 404 or "NotFound" in type(exc).__name__:
            return True
        raise
    return False


def check_gpu_allocated(env, server_id):
    """The GPU server holds one K80 in the cell DB's pci_devices (SCM's GPU query reads it)."""
    from urllib.parse import urlsplit

    import pymysql

    url = urlsplit(env["nova_db_url"].replace("mysql+pymysql://", "mysql://"))
    conn = pymysql.connect(
        host=url.hostname,
        port=url.port or 3306,
        user=url.username,
        password=url.password,
        database=url.path.lstrip("/"),
    )
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT status, COUNT(*) FROM pci_devices WHERE deleted = 0 AND "
                "vendor_id = '10de' AND product_id = '102d' GROUP BY status"
            )
            counts = dict(cur.fetchall())
            cur.execute(
                "SELECT COUNT(*) FROM pci_devices WHERE deleted = 0 AND instance_uuid = %s",
                (server_id,),
            )
            mine = cur.fetchone()[0]
    finally:
        conn.close()
    if mine != 1:
        raise SetupError(f"GPU server {server_id} holds {mine} PCI devices, expected 1 ({counts})")
    by_status = ", ".join(f"{status}={n}" for status, n in sorted(counts.items()))
    log(f"smoke: pci_devices K80 by status: {by_status}")


def cmd_smoke(cfg):
    from cinderclient import client as cinder_client
    from novaclient import client as nova_client

    with open(cfg["env_json"]) as f:
        env = json.load(f)
    sess = session(cfg, env["username"], env["password"], env["project_name"])
    nova = nova_client.Client(NOVA_MICROVERSION, session=sess, region_name=env["region_name"])
    cinder = cinder_client.Client("3.44", session=sess, region_name=env["region_name"])
    timings = {}
    boot_from_volume(nova, cinder, env, env["flavor_name"], "tiny", timings)
    boot_from_volume(
        nova,
        cinder,
        env,
        env["gpu_flavor_name"],
        "gpu",
        timings,
        check_pci=lambda server_id: check_gpu_allocated(env, server_id),
    )
    for name, secs in timings.items():
        log(f"smoke: {name:<28} {secs:5.1f}s")


def main():
    cfg_path, step = sys.argv[1], sys.argv[2]
    with open(cfg_path) as f:
        cfg = json.load(f)
    try:
        {"catalog": cmd_catalog, "resources": cmd_resources, "smoke": cmd_smoke}[step](cfg)
    except SetupError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
