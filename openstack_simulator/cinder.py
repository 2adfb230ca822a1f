"""Cinder v3 (microversions 3.0-3.60): volumes from images, extend, delete, attachment state."""

from __future__ import annotations

import ast
import json

import webob

from openstack_simulator.http import (
    ApiError,
    Ctx,
    Router,
    bad_request,
    empty_response,
    json_response,
    not_found,
    paginate,
    vstr,
)
from openstack_simulator.state import Store, isotime, new_id, transition

router = Router()
MIN_VERSION = (3, 0)
MAX_VERSION = (3, 60)
HOST = "sim@lvmdriver-1#lvmdriver-1"
DELETABLE = {"available", "error", "error_restoring", "error_extending", "error_managing"}
DEFAULT_QUOTA = {"volumes": 100, "gigabytes": 5000}
IMAGE_META_KEYS = ("container_format", "disk_format", "min_disk", "min_ram", "size", "checksum")


def versions_doc(base: str) -> dict:
    return {
        "versions": [
            {
                "id": "v3.0",
                "status": "CURRENT",
                "version": vstr(MAX_VERSION),
                "min_version": vstr(MIN_VERSION),
                "updated": "2023-08-31T00:00:00Z",
                "links": [
                    {
                        "rel": "describedby",
                        "type": "text/html",
                        "href": "https://docs.openstack.org/",
                    },
                    {"rel": "self", "href": f"{base}/volume/v3/"},
                ],
                "media-types": [
                    {
                        "base": "application/json",
                        "type": "application/vnd.openstack.volume+json;version=3",
                    }
                ],
            }
        ]
    }


def quota(store: Store, project_id: str) -> dict:
    return {**DEFAULT_QUOTA, **store.setting(f"quota.volume.{project_id}", {})}


def attach(store: Store, volume_id: str, server_id: str, host: str) -> None:
    """Nova's side of boot-from-volume: the volume becomes in-use with one attachment."""
    volume = store.get("volume", volume_id)
    if volume is None:
        return
    attachment_id = new_id()
    volume["attachments"] = [
        {
            "server_id": server_id,
            "attachment_id": attachment_id,
            "attached_at": isotime(micro=True),
            "host_name": host,
            "volume_id": volume_id,
            "device": "/dev/vda",
            "id": volume_id,
        }
    ]
    volume.update(status="in-use", attach_status="attached", updated_at=isotime(micro=True))
    store.put("volume", volume)


def detach(store: Store, volume_id: str) -> None:
    volume = store.get("volume", volume_id)
    if volume is None:
        return
    volume.update(attachments=[], status="available", attach_status="detached")
    volume["updated_at"] = isotime(micro=True)
    store.put("volume", volume)


def reserve(store: Store, volume_id: str) -> None:
    volume = store.get("volume", volume_id)
    volume.update(status="reserved", updated_at=isotime(micro=True))
    store.put("volume", volume)


def volume_view(ctx: Ctx, volume: dict, created: bool = False) -> dict:
    """The detail view; `created` drops what Cinder's show/detail-only extensions add."""
    vid, pid = volume["id"], volume["project_id"]
    view = {
        "id": vid,
        "name": volume["name"],
        "description": volume["description"],
        "size": volume["size"],
        "status": volume["status"],
        "user_id": volume["user_id"],
        "metadata": dict(volume["metadata"]),
        "bootable": volume["bootable"],
        "attachments": list(volume["attachments"]),
        "availability_zone": "nova",
        "volume_type": volume["volume_type"],
        "created_at": volume["created_at"],
        "updated_at": volume["updated_at"],
        "encrypted": False,
        "multiattach": False,
        "snapshot_id": None,
        "source_volid": None,
        "consistencygroup_id": None,
        "replication_status": None,
        "migration_status": None,
        "links": [
            {"href": f"{ctx.base}/volume/v3/{pid}/volumes/{vid}", "rel": "self"},
            {"href": f"{ctx.base}/volume/{pid}/volumes/{vid}", "rel": "bookmark"},
        ],
    }
    if ctx.mv(3, 13):
        view["group_id"] = None
    if created:
        return view
    if volume.get("volume_image_metadata"):
        view["volume_image_metadata"] = dict(volume["volume_image_metadata"])
    if ctx.is_admin:
        view["os-vol-host-attr:host"] = HOST
        view["os-vol-tenant-attr:tenant_id"] = pid
        view["os-vol-mig-status-attr:migstat"] = None
        view["os-vol-mig-status-attr:name_id"] = None
        if ctx.mv(3, 21):
            view["provider_id"] = None
        if ctx.mv(3, 48):
            view["service_uuid"] = volume["service_uuid"]
            view["shared_targets"] = False
    return view


def get_volume(ctx: Ctx, volume_id: str) -> dict:
    volume = ctx.store.get("volume", volume_id)
    if volume is None or not (ctx.is_admin or volume["project_id"] == ctx.project_id):
        raise not_found(f"Volume {volume_id} could not be found.")
    return volume


def _size(value: object) -> int:
    try:
        size = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise bad_request(
            f"Invalid input received: size must be an integer, got {value!r}."
        ) from exc
    if size < 1:
        raise bad_request(
            f"Invalid input received: Volume size '{size}' must be an integer and greater than 0."
        )
    return size


def _check_quota(ctx: Ctx, project_id: str, add_volumes: int, add_gb: int) -> None:
    limits = quota(ctx.store, project_id)
    mine = [v for v in ctx.store.all("volume", project_id=project_id)]
    used_gb = sum(v["size"] for v in mine)
    if add_gb and used_gb + add_gb > limits["gigabytes"]:
        raise ApiError(
            413,
            "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed "
            f"gigabytes quota. Requested {add_gb}G, quota is {limits['gigabytes']}G and "
            f"{used_gb}G has been consumed.",
        )
    if add_volumes and len(mine) + add_volumes > limits["volumes"]:
        raise ApiError(
            413,
            f"VolumeLimitExceeded: Maximum number of volumes allowed ({limits['volumes']}) "
            "exceeded for quota 'volumes'.",
        )


def _image_for_volume(ctx: Ctx, image_ref: str, size: int) -> dict:
    from openstack_simulator.glance import image_visible

    image = ctx.store.get("image", str(image_ref).rstrip("/").rsplit("/", 1)[-1])
    if image is None or not image_visible(ctx, image):
        raise bad_request("Invalid image identifier or unable to access requested image.")
    if image["status"] != "active":
        raise bad_request(
            f"Invalid image identifier or unable to access requested image. "
            f"Image {image['id']} is not active."
        )
    if image.get("min_disk", 0) > size:
        raise bad_request(
            f"Volume size {size}GB cannot be smaller than the image minDisk size "
            f"{image['min_disk']}GB."
        )
    if image.get("size") and image["size"] > size * 1024**3:
        raise bad_request(
            f"Size of specified image {image['size']}GB is larger than volume size {size}GB."
        )
    return image


@router.route("POST", "/volumes")
def post_volume(ctx: Ctx) -> webob.Response:
    spec = ctx.json().get("volume")
    if not isinstance(spec, dict):
        raise bad_request("Missing required element 'volume' in request body.")
    size = _size(spec.get("size"))
    image_ref = spec.get("imageRef") or spec.get("image_id")
    image = _image_for_volume(ctx, image_ref, size) if image_ref else None
    metadata = spec.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(
        isinstance(v, str) and len(k) <= 255 and len(v) <= 255 for k, v in metadata.items()
    ):
        raise bad_request("Invalid input received: metadata must be a dict of strings.")
    now = isotime(micro=True)
    with ctx.store.tx():
        _check_quota(ctx, ctx.project_id, 1, size)
        volume = {
            "id": new_id(),
            "name": spec.get("name"),
            "description": spec.get("description"),
            "size": size,
            "status": "creating",
            "attach_status": "detached",
            "project_id": ctx.project_id,
            "user_id": ctx.user_id,
            "metadata": metadata,
            "bootable": "false",
            "attachments": [],
            "volume_type": spec.get("volume_type") or "__DEFAULT__",
            "created_at": now,
            "updated_at": None,
            "service_uuid": new_id(),
            "volume_image_metadata": None,
        }
        if image is not None:
            meta = {"image_id": image["id"], "image_name": image["name"]}
            meta.update({k: str(image[k]) for k in IMAGE_META_KEYS if image.get(k) is not None})
            meta.update({k: str(v) for k, v in image["properties"].items()})
            volume["volume_image_metadata"] = meta
        ctx.store.put("volume", volume)
        failed = ctx.store.take_fault("volume_error", "volume") is not None
        ctx.store.schedule(
            ctx.delay("volume"),
            "volume.created",
            volume["id"],
            error=failed,
            bootable=image is not None,
        )
    return json_response({"volume": volume_view(ctx, volume, created=True)}, 202)


@transition("volume.created")
def _created(store: Store, volume_id: str, payload: dict, now: float) -> None:
    volume = store.get("volume", volume_id)
    if volume is None or volume["status"] != "creating":
        return
    volume["status"] = "error" if payload.get("error") else "available"
    volume["bootable"] = "true" if payload.get("bootable") and not payload.get("error") else "false"
    volume["updated_at"] = isotime(now, micro=True)
    store.put("volume", volume)


def _filtered(ctx: Ctx) -> list[dict]:
    query = ctx.request.GET
    if ctx.is_admin and query.get("all_tenants", "0").lower() in ("1", "true"):
        volumes = ctx.store.all("volume")
    else:
        volumes = ctx.store.all("volume", project_id=ctx.project_id)
    for key in ("name", "status", "bootable"):
        if key in query:
            volumes = [v for v in volumes if str(v.get(key)) == query[key]]
    if "metadata" in query:
        raw = query["metadata"]
        try:
            wanted = json.loads(raw)
        except ValueError:
            try:
                wanted = ast.literal_eval(raw)
            except (ValueError, SyntaxError) as exc:
                raise bad_request(f"Invalid filter: metadata {raw}") from exc
        if not isinstance(wanted, dict):
            raise bad_request(f"Invalid filter: metadata {raw}")
        volumes = [
            v for v in volumes if all(v["metadata"].get(k) == val for k, val in wanted.items())
        ]
    volumes.reverse()  # newest first, as Cinder sorts by created_at desc
    return volumes


def _list(ctx: Ctx, detail: bool) -> webob.Response:
    page, next_marker = paginate(_filtered(ctx), ctx.request)
    if detail:
        items = [volume_view(ctx, v) for v in page]
    else:
        items = [
            {"id": v["id"], "name": v["name"], "links": volume_view(ctx, v)["links"]} for v in page
        ]
    body: dict = {"volumes": items}
    if next_marker:
        href = f"{ctx.base}/volume/v3/{ctx.project_id}/volumes{'/detail' if detail else ''}"
        body["volumes_links"] = [{"href": f"{href}?marker={next_marker}", "rel": "next"}]
    return json_response(body)


@router.route("GET", "/volumes")
def list_volumes(ctx: Ctx) -> webob.Response:
    return _list(ctx, detail=False)


@router.route("GET", "/volumes/detail")
def list_volumes_detail(ctx: Ctx) -> webob.Response:
    return _list(ctx, detail=True)


@router.route("GET", "/volumes/{volume_id}")
def show_volume(ctx: Ctx, volume_id: str) -> webob.Response:
    return json_response({"volume": volume_view(ctx, get_volume(ctx, volume_id))})


@router.route("DELETE", "/volumes/{volume_id}")
def delete_volume(ctx: Ctx, volume_id: str) -> webob.Response:
    volume = get_volume(ctx, volume_id)
    if volume["status"] == "deleting":
        return empty_response(202)
    if volume["status"] not in DELETABLE or volume["attachments"]:
        raise bad_request(
            "Invalid volume: Volume status must be available or error or error_restoring or "
            "error_extending or error_managing and must not be migrating, attached, belong to a "
            "group, have snapshots, awaiting a transfer, or be disassociated from snapshots "
            "after volume transfer."
        )
    volume.update(status="deleting", updated_at=isotime(micro=True))
    with ctx.store.tx():
        ctx.store.put("volume", volume)
        ctx.store.schedule(ctx.delay("delete"), "volume.deleted", volume_id)
    return empty_response(202)


@transition("volume.deleted")
def _deleted(store: Store, volume_id: str, payload: dict, now: float) -> None:
    store.delete("volume", volume_id)


@router.route("POST", "/volumes/{volume_id}/action")
def volume_action(ctx: Ctx, volume_id: str) -> webob.Response:
    volume = get_volume(ctx, volume_id)
    body = ctx.json()
    if "os-extend" not in body:
        raise bad_request(f"There is no such action: {','.join(body) or 'None'}")
    try:
        new_size = int((body["os-extend"] or {})["new_size"])
    except (KeyError, TypeError, ValueError) as exc:
        raise bad_request("Invalid input for field/attribute new_size.") from exc
    if volume["status"] != "available":
        raise bad_request(
            f"Invalid volume: Volume {volume_id} status must be available to extend, but "
            f"current status is: {volume['status']}."
        )
    if new_size <= volume["size"]:
        raise bad_request(
            "Invalid input received: New size for extend must be greater than current size. "
            f"(current: {volume['size']}, extended: {new_size})."
        )
    with ctx.store.tx():
        _check_quota(ctx, volume["project_id"], 0, new_size - volume["size"])
        volume.update(status="extending", updated_at=isotime(micro=True))
        ctx.store.put("volume", volume)
        ctx.store.schedule(ctx.delay("volume"), "volume.extended", volume_id, size=new_size)
    return empty_response(202)


@transition("volume.extended")
def _extended(store: Store, volume_id: str, payload: dict, now: float) -> None:
    volume = store.get("volume", volume_id)
    if volume is None:
        return
    volume.update(status="available", size=payload["size"], updated_at=isotime(now, micro=True))
    store.put("volume", volume)
