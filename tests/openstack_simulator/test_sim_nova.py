"""Nova's wire format and behaviour: microversions, flavors, boot from volume, errors, GPUs."""

from __future__ import annotations

import sqlite3
import time

import pytest


def test_version_document_advertises_microversion_range(api):
    resp = api.http.get(api.base + "/compute/v2.1/", timeout=10)
    version = resp.json()["version"]
    assert (version["min_version"], version["version"]) == ("2.1", "2.90")


def test_requested_microversion_is_echoed_in_headers(api):
    resp = api.call("GET", "compute", "/flavors", mv="2.61")
    assert resp.headers["OpenStack-API-Version"] == "compute 2.61"
    assert resp.headers["X-OpenStack-Nova-API-Version"] == "2.61"


def test_unsupported_microversion_is_406_with_nova_body(api):
    resp = api.call("GET", "compute", "/flavors", mv="2.99")
    assert resp.status_code == 406
    assert resp.json() == {
        "notAcceptable": {
            "code": 406,
            "message": "Version 2.99 is not supported by the API. Minimum is 2.1 and maximum "
            "is 2.90.",
        }
    }


def test_flavor_detail_carries_extra_specs_from_2_61_only(api):
    new = {
        f["name"]: f
        for f in api.call("GET", "compute", "/flavors/detail", mv="2.61").json()["flavors"]
    }
    old = api.call("GET", "compute", "/flavors/detail", mv="2.60").json()["flavors"]
    assert new["g1.gpu"]["extra_specs"]["pci_passthrough:alias"] == "K80:1"
    assert (new["m1.small"]["ram"], new["m1.small"]["disk"], new["m1.small"]["vcpus"]) == (
        2048,
        20,
        1,
    )
    assert all("extra_specs" not in f for f in old)


def test_seed_flavors_match_the_admin_guide(api):
    flavors = api.call("GET", "compute", "/flavors/detail", mv="2.61").json()["flavors"]
    table = {(f["id"], f["name"], f["ram"], f["disk"], f["vcpus"]) for f in flavors}
    assert {
        ("1", "m1.tiny", 512, 1, 1),
        ("2", "m1.small", 2048, 20, 1),
        ("3", "m1.medium", 4096, 40, 2),
        ("4", "m1.large", 8192, 80, 4),
        ("5", "m1.xlarge", 16384, 160, 8),
    } <= table


def test_unknown_flavor_is_item_not_found(api):
    resp = api.call("GET", "compute", "/flavors/999")
    assert resp.status_code == 404
    assert resp.json() == {
        "itemNotFound": {"code": 404, "message": "Flavor 999 could not be found."}
    }


def test_extra_specs_api_sets_and_reads_a_key(api):
    resp = api.call(
        "POST",
        "compute",
        "/flavors/2/os-extra_specs",
        json={"extra_specs": {"hw_video:ram_max_mb": "64"}},
    )
    assert resp.status_code == 200
    got = api.call("GET", "compute", "/flavors/2/os-extra_specs/hw_video:ram_max_mb").json()
    assert got == {"hw_video:ram_max_mb": "64"}
    missing = api.call("GET", "compute", "/flavors/2/os-extra_specs/nope")
    assert missing.status_code == 404 and "itemNotFound" in missing.json()


def test_missing_token_is_401_from_the_auth_middleware(api, sim):
    import requests

    resp = requests.get(sim.url + "/compute/v2.1/servers", timeout=10)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == 401
    assert resp.headers["WWW-Authenticate"].startswith("Keystone uri=")


def test_boot_from_volume_goes_build_then_active_and_volume_in_use(api):
    volume = api.make_volume()
    resp = api.boot(
        volume["id"], metadata={"scm_username": "alice"}, tags=["scm"], hostname="vm-abc1234"
    )
    assert resp.status_code == 202, resp.text
    created = resp.json()["server"]
    assert set(created) == {"id", "links", "OS-DCF:diskConfig", "security_groups", "adminPass"}
    first = api.call("GET", "compute", f"/servers/{created['id']}", mv="2.90").json()["server"]
    assert first["status"] == "BUILD"
    server = api.wait(
        "compute", f"/servers/{created['id']}", "server", "status", {"ACTIVE"}, mv="2.90"
    )
    assert server["metadata"] == {"scm_username": "alice"}
    assert server["OS-EXT-SRV-ATTR:hostname"] == "vm-abc1234"
    assert server["flavor"]["original_name"] == "m1.tiny"
    assert server["addresses"]["scm-private"][0]["addr"].startswith("10.0.0.")
    assert server["os-extended-volumes:volumes_attached"] == [
        {"id": volume["id"], "delete_on_termination": False}
    ]
    attached = api.call("GET", "volume", f"/volumes/{volume['id']}").json()["volume"]
    assert attached["status"] == "in-use"
    assert attached["attachments"][0]["server_id"] == created["id"]

    assert api.call("DELETE", "compute", f"/servers/{created['id']}").status_code == 204
    api.wait("volume", f"/volumes/{volume['id']}", "volume", "status", {"available"})
    gone = api.call("GET", "compute", f"/servers/{created['id']}")
    assert gone.status_code == 404
    assert gone.json()["itemNotFound"]["message"] == f"Instance {created['id']} could not be found."


def test_list_filters_by_name_status_and_tags(api):
    volume = api.make_volume()
    server_id = api.boot(volume["id"], name="filter-me-1", tags=["scm", "x1"]).json()["server"][
        "id"
    ]
    api.wait("compute", f"/servers/{server_id}", "server", "status", {"ACTIVE"})

    def names(query: str) -> set[str]:
        resp = api.call("GET", "compute", f"/servers/detail?{query}", mv="2.90")
        return {s["name"] for s in resp.json()["servers"]}

    assert "filter-me-1" in names("name=^filter-me")
    assert "filter-me-1" not in names("name=^nomatch")
    assert "filter-me-1" in names("status=ACTIVE&tags=scm,x1")
    assert "filter-me-1" not in names("tags=scm,x2")
    assert "filter-me-1" in names("tags-any=x2,x1")
    api.call("DELETE", "compute", f"/servers/{server_id}")


def test_reboot_while_building_is_conflict(api):
    volume = api.make_volume()
    server_id = api.boot(volume["id"]).json()["server"]["id"]
    resp = api.call(
        "POST", "compute", f"/servers/{server_id}/action", json={"reboot": {"type": "SOFT"}}
    )
    assert resp.status_code == 409
    assert resp.json()["conflictingRequest"]["message"] == (
        f"Cannot 'reboot' instance {server_id} while it is in vm_state building"
    )
    api.wait("compute", f"/servers/{server_id}", "server", "status", {"ACTIVE"})
    ok = api.call(
        "POST", "compute", f"/servers/{server_id}/action", json={"reboot": {"type": "HARD"}}
    )
    assert ok.status_code == 202
    assert (
        api.call("GET", "compute", f"/servers/{server_id}").json()["server"]["status"]
        == "HARD_REBOOT"
    )
    api.wait("compute", f"/servers/{server_id}", "server", "status", {"ACTIVE"})
    api.call("DELETE", "compute", f"/servers/{server_id}")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"flavorRef": "999"}, "Invalid flavorRef provided."),
        ({"key_name": "nokey"}, "Invalid key_name provided."),
        ({"security_groups": [{"name": "nope"}]}, "Security group nope not found."),
        (
            {"networks": [{"uuid": "00000000-0000-0000-0000-000000000000"}]},
            "Network 00000000-0000-0000-0000-000000000000 could not be found.",
        ),
    ],
)
def test_bad_boot_requests_are_400_with_novas_message(api, change, message):
    volume = api.make_volume()
    resp = api.boot(volume["id"], **change)
    assert resp.status_code == 400
    assert resp.json() == {"badRequest": {"code": 400, "message": message}}


def test_booting_from_a_volume_in_use_is_refused(api):
    volume = api.make_volume()
    server_id = api.boot(volume["id"]).json()["server"]["id"]
    second = api.boot(volume["id"])
    assert second.status_code == 400
    assert "status must be 'available'" in second.json()["badRequest"]["message"]
    api.call("DELETE", "compute", f"/servers/{server_id}")


def test_boot_error_fault_ends_in_error_with_fault_and_frees_the_volume(api, sim):
    sim.fault("boot_error")
    volume = api.make_volume()
    server_id = api.boot(volume["id"]).json()["server"]["id"]
    server = api.wait("compute", f"/servers/{server_id}", "server", "status", {"ERROR", "ACTIVE"})
    assert server["status"] == "ERROR"
    assert server["fault"]["message"].startswith("No valid host was found")
    assert api.call("GET", "volume", f"/volumes/{volume['id']}").json()["volume"]["status"] == (
        "available"
    )
    api.call("DELETE", "compute", f"/servers/{server_id}")


def gpu_rows(sim) -> list[tuple]:
    with sqlite3.connect(sim.state) as db:
        # The controller's GPU query: plain SQL on Nova's pci_devices shape.
        return db.execute(
            "SELECT status, instance_uuid FROM pci_devices WHERE deleted = 0 AND vendor_id = "
            "'10de' AND product_id IN ('102d') ORDER BY id"
        ).fetchall()


def test_gpu_flavor_allocates_a_device_until_none_is_left(api, sim):
    assert [r[0] for r in gpu_rows(sim)] == ["available", "available"]
    servers = []
    for _ in range(3):
        volume = api.make_volume()
        servers.append(api.boot(volume["id"], flavor="6").json()["server"]["id"])
    states = [
        api.wait("compute", f"/servers/{s}", "server", "status", {"ACTIVE", "ERROR"})
        for s in servers
    ]
    assert [s["status"] for s in states] == ["ACTIVE", "ACTIVE", "ERROR"]
    assert states[2]["fault"]["message"].startswith("No valid host was found")
    assert sorted(r[1] for r in gpu_rows(sim)) == sorted(servers[:2])
    api.call("DELETE", "compute", f"/servers/{servers[0]}")
    api.wait(
        "volume",
        f"/volumes/{states[0]['os-extended-volumes:volumes_attached'][0]['id']}",
        "volume",
        "status",
        {"available"},
    )
    assert sorted(r[0] for r in gpu_rows(sim)) == ["allocated", "available"]
    for server_id in servers[1:]:
        api.call("DELETE", "compute", f"/servers/{server_id}")
    for server_id in servers:
        for _ in range(200):
            if api.call("GET", "compute", f"/servers/{server_id}").status_code == 404:
                break
            time.sleep(0.05)
    assert [r[0] for r in gpu_rows(sim)] == ["available", "available"]


def test_instance_quota_is_403_quota_exceeded(api, sim):
    sim.admin("PUT", "/quotas/compute/scm", {"instances": 0})
    try:
        volume = api.make_volume()
        resp = api.boot(volume["id"])
        assert resp.status_code == 403
        assert resp.json()["forbidden"]["message"].startswith("Quota exceeded for instances")
    finally:
        sim.admin("PUT", "/quotas/compute/scm", {"instances": 10})


def test_keypair_is_usable_as_key_name(api):
    key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 test@host"
    made = api.call(
        "POST",
        "compute",
        "/os-keypairs",
        mv="2.90",
        json={"keypair": {"name": "k1", "public_key": key}},
    )
    assert made.status_code == 201, made.text
    volume = api.make_volume()
    server_id = api.boot(volume["id"], key_name="k1").json()["server"]["id"]
    assert api.call("GET", "compute", f"/servers/{server_id}").json()["server"]["key_name"] == "k1"
    api.call("DELETE", "compute", f"/servers/{server_id}")


def test_gpu_query_runs_through_a_database_url(sim):
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{sim.state}")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT COUNT(*) FROM pci_devices WHERE deleted = 0 AND status = 'available' "
                "AND product_id IN ('102d', '11bf')"
            )
        ).scalar_one()
    engine.dispose()
    assert rows == 2
