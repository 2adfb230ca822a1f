"""Faults, the admin CLI, and a restart that keeps the cloud."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error

import pytest
import requests

from openstack_simulator.testing import SimulatorProcess

CLI = [sys.executable, "-m", "openstack_simulator.cli"]


@pytest.mark.parametrize(
    ("service", "path", "body"),
    [
        (
            "compute",
            "/flavors",
            {
                "serviceUnavailable": {
                    "code": 503,
                    "message": (
                        "The server is currently unavailable. Please try again at a later time."
                    ),
                }
            },
        ),
        (
            "network",
            "/networks",
            {
                "NeutronError": {
                    "type": "ServiceUnavailable",
                    "message": (
                        "The server is currently unavailable. Please try again at a later time."
                    ),
                    "detail": "",
                }
            },
        ),
    ],
)
def test_unavailable_fault_answers_503_once_in_the_services_shape(api, sim, service, path, body):
    sim.fault("unavailable", service={"network": "networking"}.get(service, service))
    down = api.call("GET", service, path)
    assert down.status_code == 503
    assert down.json() == body
    assert api.call("GET", service, path).status_code == 200


def test_slow_fault_delays_the_answer(api, sim):
    sim.fault("slow", service="image", seconds=0.6)
    started = time.monotonic()
    assert api.call("GET", "image", "/images").status_code == 200
    assert time.monotonic() - started >= 0.6


def test_admin_endpoint_rejects_unknown_faults(sim):
    with pytest.raises(urllib.error.HTTPError) as err:
        sim.fault("meteor_strike")
    assert err.value.code == 400


def test_restart_keeps_servers_volumes_tokens_and_pending_transitions(tmp_path, make_api):
    state = tmp_path / "state.sqlite"
    with SimulatorProcess(state) as first:
        print(f"\ncold start with seeding ready in {first.startup_seconds:.2f}s")
        api = make_api(first.url)
        volume = api.make_volume()
        booted = api.boot(volume["id"], name="survivor").json()["server"]["id"]
        made = api.call(
            "POST",
            "compute",
            "/flavors",
            json={"flavor": {"name": "m1.restart", "ram": 256, "disk": 1, "vcpus": 1, "id": "42"}},
        )
        assert made.status_code == 200
    # Stopped while the server was still building: the transition is in the state file.
    with SimulatorProcess(state) as second:
        print(f"restart ready in {second.startup_seconds:.2f}s")
        old = requests.get(
            second.url + "/compute/v2.1/flavors/42", timeout=10, headers={"X-Auth-Token": api.token}
        )
        assert old.status_code == 200 and old.json()["flavor"]["name"] == "m1.restart"
        again = make_api(second.url)
        server = again.wait("compute", f"/servers/{booted}", "server", "status", {"ACTIVE"})
        assert server["name"] == "survivor"
        attached = again.call("GET", "volume", f"/volumes/{volume['id']}").json()["volume"]
        assert attached["status"] == "in-use"
        flavors = again.call("GET", "compute", "/flavors").json()["flavors"]
        assert len([f for f in flavors if f["name"] == "m1.tiny"]) == 1  # not seeded twice


def run_cli(state, *args: str) -> object:
    done = subprocess.run(
        [*CLI, "--state", str(state), *args], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(done.stdout)


def test_operator_cli_creates_what_the_apis_then_serve(tmp_path, make_api):
    state = tmp_path / "state.sqlite"
    run_cli(
        state,
        "flavor",
        "create",
        "scm.login_small",
        "--id",
        "7",
        "--ram",
        "512",
        "--disk",
        "5",
        "--vcpus",
        "1",
        "--property",
        "gpu=true",
    )
    flavor = run_cli(state, "flavor", "set", "7", "--property", "pci_passthrough:alias=K2_Grid:1")
    assert flavor["extra_specs"] == {"gpu": "true", "pci_passthrough:alias": "K2_Grid:1"}
    run_cli(
        state,
        "image",
        "create",
        "WinLogin",
        "--min-disk",
        "15",
        "--property",
        "image_type=loginnode",
        "--property",
        "service_url=https://{}/",
        "--property",
        "is_linux=false",
    )
    run_cli(
        state,
        "pool",
        "create",
        "pool2",
        "--cidr",
        "198.51.100.0/24",
        "--start",
        "198.51.100.10",
        "--end",
        "198.51.100.11",
    )
    devices = run_cli(state, "gpu", "add", "0000:86:00.0", "--product-id", "11bf")
    assert sorted(d["product_id"] for d in devices) == ["102d", "102d", "11bf"]
    faults = run_cli(state, "fault", "add", "boot_error")
    assert [f["kind"] for f in faults] == ["boot_error"]

    with SimulatorProcess(state) as proc:
        api = make_api(proc.url)
        detail = api.call("GET", "compute", "/flavors/7", mv="2.61").json()["flavor"]
        assert (detail["name"], detail["extra_specs"]["gpu"]) == ("scm.login_small", "true")
        images = api.call("GET", "image", "/images?image_type=loginnode").json()["images"]
        assert {i["name"] for i in images} == {"CentOS-7-loginnode", "WinLogin"}
        win = next(i for i in images if i["name"] == "WinLogin")
        assert (win["min_disk"], win["service_url"]) == (15, "https://{}/")
        pools = api.call("GET", "network", "/networks?router:external=true").json()["networks"]
        assert {n["name"] for n in pools} == {"public", "pool2"}
        volume = api.make_volume(size=15)
        server_id = api.boot(volume["id"]).json()["server"]["id"]
        server = api.wait(
            "compute", f"/servers/{server_id}", "server", "status", {"ACTIVE", "ERROR"}
        )
        assert server["status"] == "ERROR"  # the fault injected through the CLI
