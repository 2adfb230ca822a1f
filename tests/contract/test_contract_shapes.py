"""Shapes of Keystone, Glance and Neutron answers (Tempest publishes no schemas for these).

Each check names the fields SCM and the client libraries read, with their JSON types; run
against the real stack (SCM_TEST_OPENSTACK=real) they confirm the simulator's shapes.
"""

from __future__ import annotations

import pytest
from keystoneauth1 import session
from keystoneauth1.identity import v3

NULLABLE_STR = (str, type(None))


def check(doc: dict, shape: dict[str, type | tuple], where: str) -> None:
    for key, kind in shape.items():
        assert key in doc, f"{where}: missing {key!r} in {sorted(doc)}"
        assert isinstance(doc[key], kind), f"{where}: {key!r} is {type(doc[key]).__name__}"


@pytest.fixture(scope="module")
def http(target):
    env = target.env
    auth = v3.Password(
        auth_url=env["auth_url"],
        username=env["username"],
        password=env["password"],
        project_name=env["project_name"],
        user_domain_name=env["user_domain_name"],
        project_domain_name=env["project_domain_name"],
    )
    return session.Session(auth=auth)


def get(http, service: str, path: str, target) -> dict:
    resp = http.get(
        path,
        endpoint_filter={
            "service_type": service,
            "interface": "public",
            "region_name": target.env["region_name"],
        },
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def identity_path(http, path: str) -> str:
    """Catalogs list the identity endpoint with or without its /v3 (devstack: without; a
    plain Keystone install: with); a path relative to the endpoint must not say it twice."""
    endpoint = http.get_endpoint(service_type="identity", interface="public")
    return path if endpoint.rstrip("/").endswith("/v3") else "/v3" + path


def test_keystone_token_shape(http, target):
    token_id = http.get_token()
    resp = http.get(
        identity_path(http, "/auth/tokens"),
        headers={"X-Subject-Token": token_id},
        endpoint_filter={"service_type": "identity", "interface": "public"},
    )
    token = resp.json()["token"]
    check(
        token,
        {
            "methods": list,
            "user": dict,
            "project": dict,
            "roles": list,
            "catalog": list,
            "expires_at": str,
            "issued_at": str,
            "audit_ids": list,
        },
        "token",
    )
    check(token["user"], {"id": str, "name": str, "domain": dict}, "token.user")
    check(token["project"], {"id": str, "name": str, "domain": dict}, "token.project")
    for entry in token["catalog"]:
        check(entry, {"type": str, "id": str, "endpoints": list}, "catalog entry")
        for endpoint in entry["endpoints"]:
            check(
                endpoint,
                {"interface": str, "region": str, "region_id": str, "url": str, "id": str},
                "endpoint",
            )
    types = {e["type"] for e in token["catalog"]}
    assert {"identity", "compute", "image", "network"} <= types
    assert types & {"volumev3", "block-storage"}


def test_keystone_role_list_shape(http, target):
    roles = get(http, "identity", identity_path(http, "/roles"), target)
    check(roles, {"roles": list, "links": dict}, "roles")
    check(roles["roles"][0], {"id": str, "name": str, "links": dict}, "role")


def test_glance_image_shape(http, target):
    body = get(http, "image", f"/v2/images?name={target.env['image_name']}", target)
    check(body, {"images": list, "first": str, "schema": str}, "images")
    image = body["images"][0]
    check(
        image,
        {
            "id": str,
            "name": str,
            "status": str,
            "visibility": str,
            "protected": bool,
            "owner": str,
            "min_disk": int,
            "min_ram": int,
            "size": int,
            "checksum": str,
            "container_format": str,
            "disk_format": str,
            "tags": list,
            "created_at": str,
            "updated_at": str,
            "self": str,
            "file": str,
            "schema": str,
            "os_hidden": bool,
            "image_type": str,
        },
        "image",
    )
    schema = get(http, "image", "/v2/schemas/image", target)
    check(schema, {"name": str, "properties": dict, "additionalProperties": dict}, "schema")


def test_neutron_network_and_subnet_shapes(http, target):
    body = get(http, "network", f"/v2.0/networks?name={target.env['external_network']}", target)
    network = body["networks"][0]
    check(
        network,
        {
            "id": str,
            "name": str,
            "status": str,
            "subnets": list,
            "shared": bool,
            "router:external": bool,
            "admin_state_up": bool,
            "project_id": str,
            "tenant_id": str,
            "mtu": int,
            "tags": list,
            "revision_number": int,
            "created_at": str,
            "updated_at": str,
            "description": str,
        },
        "network",
    )
    assert network["router:external"] is True
    subnet = get(http, "network", f"/v2.0/subnets/{network['subnets'][0]}", target)["subnet"]
    check(
        subnet,
        {
            "id": str,
            "network_id": str,
            "cidr": str,
            "ip_version": int,
            "allocation_pools": list,
            "gateway_ip": NULLABLE_STR,
            "enable_dhcp": bool,
        },
        "subnet",
    )
    check(subnet["allocation_pools"][0], {"start": str, "end": str}, "allocation pool")


def test_neutron_floating_ip_and_security_group_shapes(http, target, driver, scm_uuid):
    fip = driver.allocate_floating_ip(target.env["external_network"], scm_uuid)
    group = driver.create_security_group(scm_uuid)
    try:
        raw = get(http, "network", f"/v2.0/floatingips/{fip.id}", target)["floatingip"]
        check(
            raw,
            {
                "id": str,
                "floating_ip_address": str,
                "floating_network_id": str,
                "router_id": NULLABLE_STR,
                "port_id": NULLABLE_STR,
                "fixed_ip_address": NULLABLE_STR,
                "status": str,
                "project_id": str,
                "tenant_id": str,
                "description": str,
                "tags": list,
                "revision_number": int,
            },
            "floatingip",
        )
        sg = get(http, "network", f"/v2.0/security-groups/{group.id}", target)["security_group"]
        check(
            sg,
            {
                "id": str,
                "name": str,
                "description": str,
                "project_id": str,
                "security_group_rules": list,
                "tags": list,
                "stateful": bool,
            },
            "sg",
        )
        for rule in sg["security_group_rules"]:
            check(
                rule,
                {
                    "id": str,
                    "direction": str,
                    "ethertype": str,
                    "protocol": NULLABLE_STR,
                    "port_range_min": (int, type(None)),
                    "port_range_max": (int, type(None)),
                    "remote_ip_prefix": NULLABLE_STR,
                    "security_group_id": str,
                },
                "rule",
            )
    finally:
        driver.release_floating_ip(fip.id)
        driver.delete_security_group(group.id)


def test_neutron_error_shape(http, target):
    resp = http.get(
        "/v2.0/networks/00000000-0000-0000-0000-000000000000",
        raise_exc=False,
        endpoint_filter={"service_type": "network", "interface": "public"},
    )
    assert resp.status_code == 404
    check(resp.json()["NeutronError"], {"type": str, "message": str, "detail": str}, "error")
    assert resp.json()["NeutronError"]["type"] == "NetworkNotFound"
