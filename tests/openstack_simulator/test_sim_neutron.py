"""Neutron's wire format and behaviour: floating IPs, exhaustion, security groups, errors."""

from __future__ import annotations

import pytest


def external_id(api) -> str:
    found = api.call("GET", "network", "/networks?router:external=True").json()["networks"]
    assert [n["name"] for n in found] == ["public"]
    return found[0]["id"]


def test_private_network_has_a_subnet_with_an_allocation_pool(api):
    network = api.call("GET", "network", "/networks?name=scm-private").json()["networks"][0]
    subnet = api.call("GET", "network", f"/subnets/{network['subnets'][0]}").json()["subnet"]
    assert subnet["cidr"] == "10.0.0.0/24"
    assert subnet["allocation_pools"] == [{"start": "10.0.0.2", "end": "10.0.0.254"}]


def test_fields_selects_attributes(api):
    found = api.call("GET", "network", "/networks?fields=id&fields=name").json()["networks"]
    assert found and all(set(n) == {"id", "name"} for n in found)


def test_pool_exhaustion_is_answered_like_neutron(api):
    net = external_id(api)
    made = []
    try:
        while len(made) < 50:
            resp = api.call(
                "POST", "network", "/floatingips", json={"floatingip": {"floating_network_id": net}}
            )
            if resp.status_code != 201:
                break
            made.append(resp.json()["floatingip"]["id"])
        assert len(made) == 10
        assert resp.status_code == 409
        assert resp.json() == {
            "NeutronError": {
                "type": "IpAddressGenerationFailure",
                "message": f"No more IP addresses available on network {net}.",
                "detail": "",
            }
        }
    finally:
        for fip_id in made:
            assert api.call("DELETE", "network", f"/floatingips/{fip_id}").status_code == 204
    again = api.call(
        "POST", "network", "/floatingips", json={"floatingip": {"floating_network_id": net}}
    )
    assert again.status_code == 201
    api.call("DELETE", "network", f"/floatingips/{again.json()['floatingip']['id']}")


def test_floating_ip_from_a_private_network_is_refused(api):
    private = api.network_id("scm-private")
    resp = api.call(
        "POST", "network", "/floatingips", json={"floatingip": {"floating_network_id": private}}
    )
    assert resp.status_code == 400
    assert resp.json()["NeutronError"]["message"] == (
        f"Bad floatingip request: Network {private} is not a valid external network."
    )


def test_associate_disassociate_and_port_deletion(api):
    volume = api.make_volume()
    server_id = api.boot(volume["id"]).json()["server"]["id"]
    api.wait("compute", f"/servers/{server_id}", "server", "status", {"ACTIVE"})
    port = api.call("GET", "network", f"/ports?device_id={server_id}").json()["ports"][0]
    fip = api.call(
        "POST",
        "network",
        "/floatingips",
        json={"floatingip": {"floating_network_id": external_id(api)}},
    ).json()["floatingip"]
    bound = api.call(
        "PUT", "network", f"/floatingips/{fip['id']}", json={"floatingip": {"port_id": port["id"]}}
    ).json()["floatingip"]
    assert (bound["port_id"], bound["fixed_ip_address"]) == (
        port["id"],
        port["fixed_ips"][0]["ip_address"],
    )
    addresses = api.call("GET", "compute", f"/servers/{server_id}").json()["server"]["addresses"]
    assert {a["OS-EXT-IPS:type"]: a["addr"] for a in addresses["scm-private"]}["floating"] == (
        fip["floating_ip_address"]
    )
    api.call("PUT", "network", f"/floatingips/{fip['id']}", json={"floatingip": {"port_id": None}})
    assert (
        api.call("GET", "network", f"/floatingips/{fip['id']}").json()["floatingip"]["port_id"]
        is None
    )
    api.call(
        "PUT", "network", f"/floatingips/{fip['id']}", json={"floatingip": {"port_id": port["id"]}}
    )
    api.call("DELETE", "compute", f"/servers/{server_id}")
    api.wait("volume", f"/volumes/{volume['id']}", "volume", "status", {"available"})
    leaked = api.call("GET", "network", f"/floatingips/{fip['id']}").json()["floatingip"]
    assert (leaked["port_id"], leaked["status"]) == (None, "DOWN")  # still allocated: a leak
    api.call("DELETE", "network", f"/floatingips/{fip['id']}")


def test_drop_floating_ip_fault_answers_ok_but_does_not_stick(api, sim):
    sim.fault("drop_floating_ip")
    port = api.call(
        "POST", "network", "/ports", json={"port": {"network_id": api.network_id("scm-private")}}
    ).json()["port"]
    fip = api.call(
        "POST",
        "network",
        "/floatingips",
        json={"floatingip": {"floating_network_id": external_id(api)}},
    ).json()["floatingip"]
    answer = api.call(
        "PUT", "network", f"/floatingips/{fip['id']}", json={"floatingip": {"port_id": port["id"]}}
    )
    assert answer.status_code == 200 and answer.json()["floatingip"]["port_id"] == port["id"]
    assert (
        api.call("GET", "network", f"/floatingips/{fip['id']}").json()["floatingip"]["port_id"]
        is None
    )
    api.call("DELETE", "network", f"/floatingips/{fip['id']}")
    api.call("DELETE", "network", f"/ports/{port['id']}")


def test_security_group_rules_duplicates_and_in_use(api):
    group = api.call(
        "POST",
        "network",
        "/security-groups",
        json={"security_group": {"name": "sg-test", "description": "d"}},
    ).json()["security_group"]
    assert {r["direction"] for r in group["security_group_rules"]} == {"egress"}
    rule = {
        "security_group_id": group["id"],
        "direction": "ingress",
        "protocol": "tcp",
        "port_range_min": 22,
        "port_range_max": 22,
        "remote_ip_prefix": "0.0.0.0/0",
    }
    first = api.call("POST", "network", "/security-group-rules", json={"security_group_rule": rule})
    assert first.status_code == 201
    dup = api.call("POST", "network", "/security-group-rules", json={"security_group_rule": rule})
    assert dup.status_code == 409
    assert dup.json()["NeutronError"]["type"] == "SecurityGroupRuleExists"
    bad = dict(rule, port_range_min=30, port_range_max=20)
    invalid = api.call(
        "POST", "network", "/security-group-rules", json={"security_group_rule": bad}
    )
    assert invalid.status_code == 400

    port = api.call(
        "POST",
        "network",
        "/ports",
        json={
            "port": {"network_id": api.network_id("scm-private"), "security_groups": [group["id"]]}
        },
    ).json()["port"]
    busy = api.call("DELETE", "network", f"/security-groups/{group['id']}")
    assert busy.status_code == 409
    assert busy.json()["NeutronError"]["type"] == "SecurityGroupInUse"
    api.call("DELETE", "network", f"/ports/{port['id']}")
    assert api.call("DELETE", "network", f"/security-groups/{group['id']}").status_code == 204


@pytest.mark.parametrize(
    ("path", "kind", "message"),
    [
        ("/networks/nope", "NetworkNotFound", "Network nope could not be found."),
        ("/floatingips/nope", "FloatingIPNotFound", "Floating IP nope could not be found"),
        ("/security-groups/nope", "SecurityGroupNotFound", "Security group nope does not exist"),
        ("/ports/nope", "PortNotFound", "Port nope could not be found."),
    ],
)
def test_unknown_ids_are_neutron_errors(api, path, kind, message):
    resp = api.call("GET", "network", path)
    assert resp.status_code == 404
    assert resp.json() == {"NeutronError": {"type": kind, "message": message, "detail": ""}}
