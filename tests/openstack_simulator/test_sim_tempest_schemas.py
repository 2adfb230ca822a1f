"""Nova and Cinder answers validated by Tempest's own service clients, which check every
response against Tempest's published JSON schemas for the microversion the request claims."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("tempest")

from tempest.lib import auth
from tempest.lib.services.compute import base_compute_client
from tempest.lib.services.compute.flavors_client import FlavorsClient
from tempest.lib.services.compute.servers_client import ServersClient
from tempest.lib.services.volume import base_client as base_volume_client
from tempest.lib.services.volume.v3.volumes_client import VolumesClient

COMPUTE_MICROVERSIONS = ["2.1", "2.47", "2.61", "2.90"]
VOLUME_MICROVERSIONS = ["3.0", "3.60"]


@pytest.fixture(scope="module")
def provider(sim):
    creds = auth.KeystoneV3Credentials(
        username="admin",
        password="admin-password",
        project_name="scm",
        user_domain_name="Default",
        project_domain_name="Default",
    )
    provider = auth.KeystoneV3AuthProvider(creds, sim.url + "/identity/v3")
    provider.fill_credentials()
    return provider


@pytest.fixture
def compute_version(request):
    base_compute_client.COMPUTE_MICROVERSION = request.param
    yield request.param
    base_compute_client.COMPUTE_MICROVERSION = None


@pytest.fixture
def volume_version(request):
    base_volume_client.VOLUME_MICROVERSION = request.param
    yield request.param
    base_volume_client.VOLUME_MICROVERSION = None


def clients(provider):
    kwargs = {"build_interval": 0.05, "build_timeout": 20}
    return (
        ServersClient(provider, "compute", "RegionOne", **kwargs),
        FlavorsClient(provider, "compute", "RegionOne", **kwargs),
        VolumesClient(provider, "volumev3", "RegionOne", **kwargs),
    )


@pytest.mark.parametrize("compute_version", COMPUTE_MICROVERSIONS, indirect=True)
def test_flavor_responses_match_tempest_schemas(provider, compute_version):
    _servers, flavors, _volumes = clients(provider)
    assert {f["name"] for f in flavors.list_flavors()["flavors"]} >= {"m1.tiny", "g1.gpu"}
    detail = flavors.list_flavors(detail=True)["flavors"]
    assert ("extra_specs" in detail[0]) == (compute_version in ("2.61", "2.90"))
    flavors.show_flavor("6")
    specs = flavors.list_flavor_extra_specs("6")["extra_specs"]
    assert specs["pci_passthrough:alias"] == "K80:1"
    flavors.show_flavor_extra_spec("6", "gpu")


def _wait_volume(volumes, volume_id, status):
    deadline = time.monotonic() + 20
    while volumes.show_volume(volume_id)["volume"]["status"] != status:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _wait_server(servers, server_id, status):
    deadline = time.monotonic() + 20
    while servers.show_server(server_id)["server"]["status"] != status:
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.parametrize("compute_version", COMPUTE_MICROVERSIONS, indirect=True)
def test_server_lifecycle_responses_match_tempest_schemas(provider, api, compute_version):
    servers, _flavors, volumes = clients(provider)
    volume = volumes.create_volume(size=10, imageRef=api.login_image_id())["volume"]
    _wait_volume(volumes, volume["id"], "available")
    extra = {"tags": ["scm"]} if compute_version in ("2.61", "2.90") else {}
    if compute_version == "2.90":
        extra["hostname"] = "vm-schema"
    created = servers.create_server(
        name="schema-check",
        flavorRef="1",
        imageRef="",
        networks=[{"uuid": api.network_id("scm-private")}],
        block_device_mapping_v2=[
            {
                "uuid": volume["id"],
                "source_type": "volume",
                "destination_type": "volume",
                "boot_index": 0,
            }
        ],
        metadata={"scm_username": "alice"},
        **extra,
    )["server"]
    servers.show_server(created["id"])  # BUILD

    _wait_server(servers, created["id"], "ACTIVE")
    server = servers.show_server(created["id"])["server"]
    assert server["status"] == "ACTIVE"
    servers.list_servers()
    servers.list_servers(detail=True, name="schema-check")
    servers.reboot_server(created["id"], type="SOFT")
    _wait_server(servers, created["id"], "ACTIVE")
    servers.delete_server(created["id"])
    deadline = time.monotonic() + 20
    while created["id"] in {s["id"] for s in servers.list_servers()["servers"]}:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    _wait_volume(volumes, volume["id"], "available")
    volumes.delete_volume(volume["id"])


@pytest.mark.parametrize("volume_version", VOLUME_MICROVERSIONS, indirect=True)
def test_volume_responses_match_tempest_schemas(provider, api, volume_version):
    _servers, _flavors, volumes = clients(provider)
    volume = volumes.create_volume(
        size=9, imageRef=api.login_image_id(), name="schema", metadata={"scm_managed": "true"}
    )["volume"]
    volumes.show_volume(volume["id"])  # creating
    _wait_volume(volumes, volume["id"], "available")
    volumes.list_volumes()
    volumes.list_volumes(detail=True, params={"name": "schema"})
    volumes.extend_volume(volume["id"], new_size=11)
    _wait_volume(volumes, volume["id"], "available")
    assert volumes.show_volume(volume["id"])["volume"]["size"] == 11
    volumes.delete_volume(volume["id"])
    volumes.wait_for_resource_deletion(volume["id"])
