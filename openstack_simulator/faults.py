"""The simulator's own controls under /admin: fault injection, delays, quotas, GPU devices.

Test-only and unauthenticated: the simulator listens on loopback. Kinds of fault:

    boot_error        the next server build ends in ERROR (NoValidHost)        service compute
    volume_error      the next volume create ends in status error              service volume
    unavailable       the service answers 503                                  any service or *
    slow              the service answers after `seconds`                      any service or *
    drop_floating_ip  the next association answers 200 but does not stick      service networking
"""

from __future__ import annotations

import webob

from openstack_simulator.http import Ctx, Router, bad_request, empty_response, json_response

admin_router = Router()
FAULT_SERVICES = {
    "boot_error": {"compute"},
    "volume_error": {"volume"},
    "drop_floating_ip": {"networking"},
    "unavailable": {"identity", "compute", "volume", "image", "networking", "*"},
    "slow": {"identity", "compute", "volume", "image", "networking", "*"},
}
DEFAULT_SERVICE = {
    "boot_error": "compute",
    "volume_error": "volume",
    "drop_floating_ip": "networking",
}
DELAY_NAMES = ("build", "volume", "delete", "reboot")


def check_fault(kind: str, service: str | None) -> str:
    """Validate a fault request; returns the service it applies to."""
    if kind not in FAULT_SERVICES:
        raise bad_request(f"unknown fault kind {kind!r}; one of {sorted(FAULT_SERVICES)}")
    service = service or DEFAULT_SERVICE.get(kind, "*")
    if service not in FAULT_SERVICES[kind]:
        raise bad_request(f"fault {kind} does not apply to service {service!r}")
    return service


@admin_router.route("GET", "/health")
def health(ctx: Ctx) -> webob.Response:
    return json_response({"status": "ok", "state": ctx.store.path})


@admin_router.route("GET", "/faults")
def list_faults(ctx: Ctx) -> webob.Response:
    return json_response({"faults": ctx.store.faults()})


@admin_router.route("POST", "/faults")
def add_fault(ctx: Ctx) -> webob.Response:
    spec = ctx.json()
    kind = str(spec.get("kind", ""))
    service = check_fault(kind, spec.get("service"))
    try:
        count = int(spec.get("count", 1))
        seconds = float(spec.get("seconds", 0))
    except (TypeError, ValueError) as exc:
        raise bad_request("count must be an integer and seconds a number") from exc
    return json_response({"fault": ctx.store.add_fault(kind, service, count, seconds)}, 201)


@admin_router.route("DELETE", "/faults")
def clear_faults(ctx: Ctx) -> webob.Response:
    ctx.store.clear_faults()
    return empty_response(204)


@admin_router.route("GET", "/delays")
def get_delays(ctx: Ctx) -> webob.Response:
    return json_response({"delays": ctx.delays})


@admin_router.route("PUT", "/delays")
def put_delays(ctx: Ctx) -> webob.Response:
    spec = ctx.json()
    unknown = set(spec) - set(DELAY_NAMES)
    if unknown:
        raise bad_request(f"unknown delays {sorted(unknown)}; known: {list(DELAY_NAMES)}")
    delays = {**ctx.store.setting("delays", {}), **{k: float(v) for k, v in spec.items()}}
    ctx.store.set_setting("delays", delays)
    return json_response({"delays": {**ctx.delays, **delays}})


@admin_router.route("PUT", "/quotas/{service}/{project_id}")
def put_quota(ctx: Ctx, service: str, project_id: str) -> webob.Response:
    if service not in ("compute", "volume"):
        raise bad_request("quotas exist for compute and volume")
    limits = {k: int(v) for k, v in ctx.json().items()}
    named = ctx.store.all("project", name=project_id)
    project_id = named[0]["id"] if named else project_id
    key = f"quota.{service}.{project_id}"
    ctx.store.set_setting(key, {**ctx.store.setting(key, {}), **limits})
    return json_response({"quota": ctx.store.setting(key)})


@admin_router.route("GET", "/pci_devices")
def pci_devices(ctx: Ctx) -> webob.Response:
    return json_response({"pci_devices": ctx.store.pci_devices()})
