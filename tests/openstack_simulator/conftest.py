"""The simulator as a real process (one per module), and a small raw-HTTP client for it."""

from __future__ import annotations

import time

import pytest
import requests

from openstack_simulator.testing import SimulatorProcess


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    state = tmp_path_factory.mktemp("sim") / "state.sqlite"
    with SimulatorProcess(state) as proc:
        print(f"\nsimulator ready in {proc.startup_seconds:.2f}s")
        yield proc


@pytest.fixture(autouse=True)
def _no_leftover_faults(request):
    yield
    if "sim" in request.fixturenames:
        request.getfixturevalue("sim").clear_faults()


class Api:
    """Raw HTTP against the simulator with a project-scoped token, as the wire sees it."""

    def __init__(
        self, base: str, user: str = "admin", password: str = "admin-password", project: str = "scm"
    ):
        self.base = base
        self.http = requests.Session()
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": user, "domain": {"id": "default"}, "password": password}
                    },
                },
                "scope": {"project": {"name": project, "domain": {"id": "default"}}},
            }
        }
        resp = self.http.post(base + "/identity/v3/auth/tokens", json=body, timeout=10)
        assert resp.status_code == 201, resp.text
        self.token = resp.headers["X-Subject-Token"]
        self.token_body = resp.json()["token"]
        self.project_id = self.token_body["project"]["id"]
        self.http.headers["X-Auth-Token"] = self.token

    def url(self, service: str, path: str) -> str:
        prefix = {
            "identity": "/identity/v3",
            "compute": "/compute/v2.1",
            "volume": f"/volume/v3/{self.project_id}",
            "image": "/image/v2",
            "network": "/networking/v2.0",
        }[service]
        return self.base + prefix + path

    def call(
        self, method: str, service: str, path: str, json=None, mv: str | None = None, **kwargs
    ) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if mv:
            name = {"compute": "compute", "volume": "volume"}[service]
            headers["OpenStack-API-Version"] = f"{name} {mv}"
        return self.http.request(
            method, self.url(service, path), json=json, headers=headers, timeout=30, **kwargs
        )

    def wait(
        self,
        service: str,
        path: str,
        key: str,
        field: str,
        until: set[str],
        mv: str | None = None,
        timeout: float = 20.0,
    ) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            resp = self.call("GET", service, path, mv=mv)
            assert resp.status_code == 200, resp.text
            doc = resp.json()[key]
            if doc[field] in until:
                return doc
            assert time.monotonic() < deadline, f"{path} stuck in {doc[field]}"
            time.sleep(0.05)

    def network_id(self, name: str) -> str:
        resp = self.call("GET", "network", f"/networks?name={name}")
        return resp.json()["networks"][0]["id"]

    def login_image_id(self) -> str:
        resp = self.call("GET", "image", "/images?name=CentOS-7-loginnode")
        return resp.json()["images"][0]["id"]

    def make_volume(self, size: int = 10, **extra) -> dict:
        body = {"volume": {"size": size, "imageRef": self.login_image_id(), "name": "v", **extra}}
        resp = self.call("POST", "volume", "/volumes", json=body)
        assert resp.status_code == 202, resp.text
        return self.wait(
            "volume",
            f"/volumes/{resp.json()['volume']['id']}",
            "volume",
            "status",
            {"available", "error"},
        )

    def boot(
        self, volume_id: str, flavor: str = "1", mv: str = "2.90", **extra
    ) -> requests.Response:
        body = {
            "server": {
                "name": extra.pop("name", "vm-test"),
                "flavorRef": flavor,
                "imageRef": "",
                "networks": [{"uuid": self.network_id("scm-private")}],
                "block_device_mapping_v2": [
                    {
                        "uuid": volume_id,
                        "source_type": "volume",
                        "destination_type": "volume",
                        "boot_index": 0,
                    }
                ],
                **extra,
            }
        }
        return self.call("POST", "compute", "/servers", json=body, mv=mv)


@pytest.fixture(scope="module")
def api(sim):
    return Api(sim.url)


@pytest.fixture
def make_api():
    return Api
