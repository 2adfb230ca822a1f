"""Nova 2.1 (microversions 2.1-2.90): version documents, flavors with extra specs, keypairs.

Servers live in nova_servers.py; both register on the same router.
"""

from __future__ import annotations

import base64
import hashlib
import re

import webob

from openstack_simulator.http import (
    Ctx,
    Router,
    bad_request,
    conflict,
    empty_response,
    forbidden,
    json_response,
    not_found,
    vstr,
)
from openstack_simulator.state import Store, isotime

router = Router()
MIN_VERSION = (2, 1)
MAX_VERSION = (2, 90)
EXTRA_SPEC_KEY = re.compile(r"^[a-zA-Z0-9-_:. ]{1,255}$")


def version_doc(base: str, current: bool = True) -> dict:
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": vstr(MAX_VERSION),
        "min_version": vstr(MIN_VERSION),
        "updated": "2013-07-23T11:33:21Z",
        "links": [
            {"rel": "self", "href": f"{base}/compute/v2.1/"},
            {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"},
        ],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ],
    }


def versions_doc(base: str) -> dict:
    v2 = {
        "id": "v2.0",
        "status": "DEPRECATED",
        "version": "",
        "min_version": "",
        "updated": "2025-07-04T12:00:00Z",
        "links": [{"rel": "self", "href": f"{base}/compute/v2/"}],
    }
    current = version_doc(base)
    current = {k: current[k] for k in ("id", "status", "version", "min_version", "updated")}
    current["links"] = [{"rel": "self", "href": f"{base}/compute/v2.1/"}]
    return {"versions": [v2, current]}


def links(ctx: Ctx, collection: str, rid: str) -> list[dict]:
    return [
        {"rel": "self", "href": f"{ctx.base}/compute/v2.1/{collection}/{rid}"},
        {"rel": "bookmark", "href": f"{ctx.base}/compute/{collection}/{rid}"},
    ]


# -- flavors -----------------------------------------------------------------------------------
def create_flavor(
    store: Store,
    name: str,
    ram: int,
    disk: int,
    vcpus: int,
    flavor_id: str | None = None,
    is_public: bool = True,
    extra_specs: dict | None = None,
    description: str | None = None,
) -> dict:
    flavors = store.all("flavor")
    if any(f["name"] == name for f in flavors):
        raise conflict(f"Flavor with name {name} already exists.")
    if flavor_id is None:
        numeric = [int(f["id"]) for f in flavors if f["id"].isdigit()]
        flavor_id = str(max(numeric, default=0) + 1)
    if any(f["id"] == flavor_id for f in flavors):
        raise conflict(f"Flavor with ID {flavor_id} already exists.")
    flavor = {
        "id": flavor_id,
        "name": name,
        "ram": int(ram),
        "disk": int(disk),
        "vcpus": int(vcpus),
        "swap": 0,
        "ephemeral": 0,
        "rxtx_factor": 1.0,
        "is_public": bool(is_public),
        "disabled": False,
        "description": description,
        "extra_specs": {str(k): str(v) for k, v in (extra_specs or {}).items()},
    }
    return store.put("flavor", flavor)


def find_flavor(store: Store, ref: str) -> dict | None:
    ref = str(ref).rstrip("/").rsplit("/", 1)[-1]
    return store.get("flavor", ref)


def flavor_view(ctx: Ctx, flavor: dict, detail: bool = True) -> dict:
    view = {
        "id": flavor["id"],
        "name": flavor["name"],
        "links": links(ctx, "flavors", flavor["id"]),
    }
    if ctx.mv(2, 55):
        view["description"] = flavor.get("description")
    if not detail:
        return view
    swap = flavor["swap"]
    view.update(
        {
            "ram": flavor["ram"],
            "disk": flavor["disk"],
            "vcpus": flavor["vcpus"],
            "swap": swap if (swap or ctx.mv(2, 75)) else "",
            "OS-FLV-EXT-DATA:ephemeral": flavor["ephemeral"],
            "OS-FLV-DISABLED:disabled": flavor["disabled"],
            "os-flavor-access:is_public": flavor["is_public"],
            "rxtx_factor": flavor["rxtx_factor"],
        }
    )
    if ctx.mv(2, 61):
        view["extra_specs"] = dict(flavor["extra_specs"])
    return view


def _flavor(ctx: Ctx, flavor_id: str) -> dict:
    flavor = ctx.store.get("flavor", flavor_id)
    if flavor is None:
        raise not_found(f"Flavor {flavor_id} could not be found.")
    return flavor


def _flavor_list(ctx: Ctx, detail: bool) -> webob.Response:
    flavors = [f for f in ctx.store.all("flavor") if f["is_public"] or ctx.is_admin]
    query = ctx.request.GET
    if "minRam" in query:
        flavors = [f for f in flavors if f["ram"] >= int(query["minRam"])]
    if "minDisk" in query:
        flavors = [f for f in flavors if f["disk"] >= int(query["minDisk"])]
    flavors.sort(key=lambda f: f["id"].zfill(12))
    return json_response({"flavors": [flavor_view(ctx, f, detail) for f in flavors]})


@router.route("GET", "/flavors")
def list_flavors(ctx: Ctx) -> webob.Response:
    return _flavor_list(ctx, detail=False)


@router.route("GET", "/flavors/detail")
def list_flavors_detail(ctx: Ctx) -> webob.Response:
    return _flavor_list(ctx, detail=True)


@router.route("GET", "/flavors/{flavor_id}")
def get_flavor(ctx: Ctx, flavor_id: str) -> webob.Response:
    return json_response({"flavor": flavor_view(ctx, _flavor(ctx, flavor_id))})


@router.route("POST", "/flavors")
def post_flavor(ctx: Ctx) -> webob.Response:
    if not ctx.is_admin:
        raise forbidden(
            "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed."
        )
    spec = ctx.json().get("flavor")
    if not isinstance(spec, dict):
        raise bad_request("Invalid input for field/attribute flavor.")
    try:
        flavor = create_flavor(
            ctx.store,
            spec["name"],
            int(spec["ram"]),
            int(spec["disk"]),
            int(spec["vcpus"]),
            str(spec["id"]) if spec.get("id") is not None else None,
            bool(spec.get("os-flavor-access:is_public", True)),
            description=spec.get("description"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise bad_request(f"Invalid input for field/attribute flavor: {exc}") from exc
    return json_response({"flavor": flavor_view(ctx, flavor)})


@router.route("DELETE", "/flavors/{flavor_id}")
def delete_flavor(ctx: Ctx, flavor_id: str) -> webob.Response:
    if not ctx.is_admin:
        raise forbidden(
            "Policy doesn't allow os_compute_api:os-flavor-manage:delete to be performed."
        )
    _flavor(ctx, flavor_id)
    ctx.store.delete("flavor", flavor_id)
    return empty_response(202)


def _check_specs(specs: object) -> dict:
    if not isinstance(specs, dict):
        raise bad_request("Invalid input for field/attribute extra_specs.")
    for key, value in specs.items():
        if not EXTRA_SPEC_KEY.match(key) or not isinstance(value, str | int | float | bool):
            raise bad_request(f"Invalid input for field/attribute extra_specs. Value: {key}.")
    return {k: str(v) for k, v in specs.items()}


@router.route("GET", "/flavors/{flavor_id}/os-extra_specs")
def list_extra_specs(ctx: Ctx, flavor_id: str) -> webob.Response:
    return json_response({"extra_specs": _flavor(ctx, flavor_id)["extra_specs"]})


@router.route("POST", "/flavors/{flavor_id}/os-extra_specs")
def set_extra_specs(ctx: Ctx, flavor_id: str) -> webob.Response:
    if not ctx.is_admin:
        raise forbidden()
    flavor = _flavor(ctx, flavor_id)
    specs = _check_specs(ctx.json().get("extra_specs"))
    flavor["extra_specs"].update(specs)
    ctx.store.put("flavor", flavor)
    return json_response({"extra_specs": specs})


@router.route("GET,PUT,DELETE", "/flavors/{flavor_id}/os-extra_specs/{key}")
def extra_spec(ctx: Ctx, flavor_id: str, key: str) -> webob.Response:
    flavor = _flavor(ctx, flavor_id)
    if ctx.request.method == "PUT":
        if not ctx.is_admin:
            raise forbidden()
        body = _check_specs(ctx.json())
        if list(body) != [key]:
            raise bad_request("Request body and URI mismatch")
        flavor["extra_specs"].update(body)
        ctx.store.put("flavor", flavor)
        return json_response(body)
    if key not in flavor["extra_specs"]:
        raise not_found(f"Flavor {flavor_id} has no extra specs with key {key}.")
    if ctx.request.method == "DELETE":
        if not ctx.is_admin:
            raise forbidden()
        del flavor["extra_specs"][key]
        ctx.store.put("flavor", flavor)
        return empty_response(200)
    return json_response({key: flavor["extra_specs"][key]})


# -- keypairs ----------------------------------------------------------------------------------
def fingerprint(public_key: str) -> str:
    try:
        raw = base64.b64decode(public_key.split()[1])
    except (IndexError, ValueError) as exc:
        raise bad_request("Keypair data is invalid: failed to generate fingerprint") from exc
    digest = hashlib.md5(raw, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def keypair_id(user_id: str, name: str) -> str:
    return f"{user_id}:{name}"


def keypair_view(keypair: dict, full: bool = False) -> dict:
    view = {k: keypair[k] for k in ("name", "public_key", "fingerprint", "type")}
    if full:
        view.update(
            {
                "user_id": keypair["user_id"],
                "id": keypair["seq"],
                "created_at": keypair["created_at"],
                "deleted": False,
                "deleted_at": None,
                "updated_at": None,
            }
        )
    return view


@router.route("POST", "/os-keypairs")
def post_keypair(ctx: Ctx) -> webob.Response:
    spec = ctx.json().get("keypair") or {}
    name, public_key = spec.get("name"), spec.get("public_key")
    if not name or not isinstance(name, str) or not re.match(r"^[\w\-\. @]{1,255}$", name):
        raise bad_request("Keypair data is invalid: Keypair name contains unsafe characters")
    if not public_key:
        raise bad_request("Invalid input for field/attribute keypair. public_key is required.")
    kid = keypair_id(ctx.user_id, name)
    if ctx.store.get("keypair", kid):
        raise conflict(f"Key pair '{name}' already exists.")
    keypair = {
        "id": kid,
        "seq": len(ctx.store.all("keypair")) + 1,
        "name": name,
        "public_key": public_key,
        "fingerprint": fingerprint(public_key),
        "type": spec.get("type", "ssh"),
        "user_id": ctx.user_id,
        "created_at": isotime(micro=True),
    }
    ctx.store.put("keypair", keypair)
    view = keypair_view(keypair)
    view["user_id"] = ctx.user_id
    return json_response({"keypair": view}, 201 if ctx.mv(2, 2) else 200)


@router.route("GET", "/os-keypairs")
def list_keypairs(ctx: Ctx) -> webob.Response:
    mine = ctx.store.all("keypair", user_id=ctx.user_id)
    return json_response({"keypairs": [{"keypair": keypair_view(k)} for k in mine]})


@router.route("GET,DELETE", "/os-keypairs/{name}")
def keypair(ctx: Ctx, name: str) -> webob.Response:
    kid = keypair_id(ctx.user_id, name)
    found = ctx.store.get("keypair", kid)
    if found is None:
        raise not_found(f"Keypair {name} not found for user {ctx.user_id}")
    if ctx.request.method == "DELETE":
        ctx.store.delete("keypair", kid)
        return empty_response(204 if ctx.mv(2, 2) else 202)
    return json_response({"keypair": keypair_view(found, full=True)})
