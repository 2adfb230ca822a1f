"""Glance v2: images with visibility, members, custom properties and property filters."""

from __future__ import annotations

import hashlib
import urllib.parse

import webob

from openstack_simulator.glance_schemas import (
    IMAGE_SCHEMA,
    IMAGES_SCHEMA,
    MEMBER_SCHEMA,
    MEMBERS_SCHEMA,
)
from openstack_simulator.http import (
    ApiError,
    Ctx,
    Router,
    bad_request,
    conflict,
    empty_response,
    forbidden,
    json_response,
    not_found,
)
from openstack_simulator.state import Store, isotime, new_id

router = Router()
VISIBILITIES = ("public", "private", "shared", "community")
CORE = {
    "id",
    "name",
    "status",
    "visibility",
    "protected",
    "owner",
    "min_disk",
    "min_ram",
    "container_format",
    "disk_format",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "os_hidden",
    "tags",
    "created_at",
    "updated_at",
}
READ_ONLY = {
    "id",
    "status",
    "owner",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "created_at",
    "updated_at",
    "self",
    "file",
    "schema",
}
LIST_PARAMS = {
    "limit",
    "marker",
    "sort_key",
    "sort_dir",
    "sort",
    "visibility",
    "member_status",
    "name",
    "status",
    "owner",
    "tag",
    "os_hidden",
    "id",
}


def versions_doc(base: str) -> dict:
    return {
        "versions": [
            {
                "id": f"v2.{minor}",
                "status": "CURRENT" if minor == 16 else "SUPPORTED",
                "links": [{"rel": "self", "href": f"{base}/image/v2/"}],
            }
            for minor in range(16, -1, -1)
        ]
    }


def create_image(
    store: Store,
    name: str,
    owner: str,
    visibility: str = "shared",
    min_disk: int = 0,
    min_ram: int = 0,
    properties: dict | None = None,
    disk_format: str | None = "raw",
    container_format: str | None = "bare",
    data: bytes | None = None,
    image_id: str | None = None,
) -> dict:
    if visibility not in VISIBILITIES:
        raise bad_request(f"Invalid visibility value: {visibility}")
    now = isotime()
    image = {
        "id": image_id or new_id(),
        "name": name,
        "status": "queued",
        "visibility": visibility,
        "protected": False,
        "owner": owner,
        "min_disk": int(min_disk),
        "min_ram": int(min_ram),
        "container_format": container_format,
        "disk_format": disk_format,
        "size": None,
        "virtual_size": None,
        "checksum": None,
        "os_hash_algo": None,
        "os_hash_value": None,
        "os_hidden": False,
        "tags": [],
        "created_at": now,
        "updated_at": now,
        "properties": {str(k): str(v) for k, v in (properties or {}).items()},
    }
    if data is not None:
        upload(image, data)
    return store.put("image", image)


def upload(image: dict, data: bytes) -> None:
    image.update(
        status="active",
        size=len(data),
        virtual_size=len(data),
        checksum=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        os_hash_algo="sha512",
        os_hash_value=hashlib.sha512(data).hexdigest(),
        updated_at=isotime(),
    )


def member_of(store: Store, image_id: str, project_id: str) -> dict | None:
    return store.get("member", f"{image_id}:{project_id}")


def image_visible(ctx: Ctx, image: dict) -> bool:
    """Whether the caller may GET the image (listing is narrower: see _listable)."""
    if ctx.is_admin or image["owner"] == ctx.project_id:
        return True
    if image["visibility"] in ("public", "community"):
        return True
    return (
        image["visibility"] == "shared"
        and member_of(ctx.store, image["id"], ctx.project_id) is not None
    )


def _listable(ctx: Ctx, image: dict, visibility: str | None, member_status: str) -> bool:
    owner = image["owner"] == ctx.project_id
    if visibility and visibility != "all" and image["visibility"] != visibility:
        return False
    if image["visibility"] == "public":
        return True
    if image["visibility"] == "community":
        return owner or visibility in ("community", "all") or ctx.is_admin
    if owner or (ctx.is_admin and image["visibility"] == "private"):
        return True
    if image["visibility"] == "shared":
        member = member_of(ctx.store, image["id"], ctx.project_id)
        if member is None:
            return ctx.is_admin
        return member_status == "all" or member["status"] == member_status
    return False


def image_view(image: dict) -> dict:
    view = {k: image[k] for k in CORE}
    view.update(image["properties"])
    view["self"] = f"/v2/images/{image['id']}"
    view["file"] = f"/v2/images/{image['id']}/file"
    view["schema"] = "/v2/schemas/image"
    return view


def _image(ctx: Ctx, image_id: str) -> dict:
    image = ctx.store.get("image", image_id)
    if image is None or not image_visible(ctx, image):
        raise not_found(f"No image found with ID {image_id}")
    return image


@router.route("GET", "/schemas/image")
def schema_image(ctx: Ctx) -> webob.Response:
    return json_response(IMAGE_SCHEMA)


@router.route("GET", "/schemas/images")
def schema_images(ctx: Ctx) -> webob.Response:
    return json_response(IMAGES_SCHEMA)


@router.route("GET", "/schemas/member")
def schema_member(ctx: Ctx) -> webob.Response:
    return json_response(MEMBER_SCHEMA)


@router.route("GET", "/schemas/members")
def schema_members(ctx: Ctx) -> webob.Response:
    return json_response(MEMBERS_SCHEMA)


@router.route("GET", "/images")
def list_images(ctx: Ctx) -> webob.Response:
    query = ctx.request.GET
    visibility = query.get("visibility")
    if visibility and visibility not in (*VISIBILITIES, "all"):
        raise bad_request(f"Invalid visibility value: {visibility}")
    member_status = query.get("member_status", "accepted")
    images = [i for i in ctx.store.all("image") if _listable(ctx, i, visibility, member_status)]
    hidden = query.get("os_hidden", "false").lower() == "true"
    images = [i for i in images if i["os_hidden"] == hidden]
    for key in ("name", "status", "owner", "id"):
        if key in query:
            images = [i for i in images if str(i.get(key)) == query[key]]
    for tag in query.getall("tag"):
        images = [i for i in images if tag in i["tags"]]
    for key in set(query.keys()) - LIST_PARAMS:
        wanted = query[key]
        images = [
            i
            for i in images
            if i["properties"].get(key) == wanted or (key in CORE and str(i.get(key)) == wanted)
        ]
    reverse = query.get("sort_dir", "desc") == "desc"
    sort_key = query.get("sort_key", "created_at")
    images.sort(key=lambda i: (str(i.get(sort_key) or ""), i["id"]), reverse=reverse)
    marker = query.get("marker")
    if marker:
        ids = [i["id"] for i in images]
        if marker not in ids:
            raise bad_request(f"Invalid marker. Image {marker} could not be found.")
        images = images[ids.index(marker) + 1 :]
    limit = int(query.get("limit", 25))
    page = images[:limit]
    body: dict = {
        "images": [image_view(i) for i in page],
        "first": "/v2/images",
        "schema": "/v2/schemas/images",
    }
    if len(images) > limit and page:
        params = [(k, v) for k, v in query.items() if k != "marker"] + [("marker", page[-1]["id"])]
        body["next"] = "/v2/images?" + urllib.parse.urlencode(params)
    return json_response(body)


@router.route("GET", "/images/{image_id}")
def get_image(ctx: Ctx, image_id: str) -> webob.Response:
    return json_response(image_view(_image(ctx, image_id)))


@router.route("POST", "/images")
def post_image(ctx: Ctx) -> webob.Response:
    spec = ctx.json()
    visibility = spec.get("visibility", "shared")
    if visibility == "public" and not ctx.is_admin:
        raise forbidden("You are not authorized to complete publicize_image action.")
    bad = READ_ONLY & (set(spec) - {"id"})
    if bad:
        raise forbidden(f"Attribute '{sorted(bad)[0]}' is read-only.")
    if spec.get("id") and ctx.store.get("image", spec["id"]):
        raise conflict(f"Image with identifier {spec['id']} already exists!")
    extra = {k: v for k, v in spec.items() if k not in CORE}
    if any(not isinstance(v, str) for v in extra.values()):
        raise bad_request(
            "Provided object does not match schema 'image': additional properties must be strings"
        )
    image = create_image(
        ctx.store,
        spec.get("name"),
        ctx.project_id,
        visibility,
        spec.get("min_disk", 0),
        spec.get("min_ram", 0),
        extra,
        spec.get("disk_format"),
        spec.get("container_format"),
        image_id=spec.get("id"),
    )
    if spec.get("tags"):
        image["tags"] = list(spec["tags"])
    image["protected"] = bool(spec.get("protected", False))
    ctx.store.put("image", image)
    return json_response(image_view(image), 201)


@router.route("PUT", "/images/{image_id}/file")
def put_file(ctx: Ctx, image_id: str) -> webob.Response:
    image = _image(ctx, image_id)
    if image["owner"] != ctx.project_id and not ctx.is_admin:
        raise forbidden("You are not permitted to upload data for image.")
    if image["status"] != "queued":
        raise conflict(f"Image status transition from {image['status']} to saving is not allowed")
    upload(image, ctx.request.body)
    ctx.store.put("image", image)
    return empty_response(204)


def _apply_patch(ctx: Ctx, image: dict, ops: list) -> None:
    for op in ops:
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace", "remove"):
            raise bad_request(
                "Unable to find `op` in JSON Schema change. It must be one of the "
                "following: add, remove, replace."
            )
        key = str(op.get("path", "")).lstrip("/")
        if key in READ_ONLY:
            raise forbidden(f"Attribute '{key}' is read-only.")
        if key == "visibility" and op.get("value") == "public" and not ctx.is_admin:
            raise forbidden("You are not authorized to complete publicize_image action.")
        if op["op"] == "remove":
            if key in CORE:
                raise forbidden(f"Attribute '{key}' is reserved.")
            if key not in image["properties"]:
                raise ApiError(409, f"Property {key} does not exist.")
            del image["properties"][key]
        elif key in CORE:
            if key == "visibility" and op["value"] not in VISIBILITIES:
                raise bad_request(f"Invalid visibility value: {op['value']}")
            image[key] = op["value"]
        else:
            if op["op"] == "replace" and key not in image["properties"]:
                raise ApiError(409, f"Property {key} does not exist.")
            image["properties"][key] = str(op["value"])


@router.route("PATCH", "/images/{image_id}")
def patch_image(ctx: Ctx, image_id: str) -> webob.Response:
    image = _image(ctx, image_id)
    if image["owner"] != ctx.project_id and not ctx.is_admin:
        raise forbidden("You are not permitted to modify this image.")
    ops = ctx.request.json_body if ctx.request.body else []
    if not isinstance(ops, list):
        raise bad_request("Expected a list of changes.")
    _apply_patch(ctx, image, ops)
    image["updated_at"] = isotime()
    ctx.store.put("image", image)
    return json_response(image_view(image))


@router.route("DELETE", "/images/{image_id}")
def delete_image(ctx: Ctx, image_id: str) -> webob.Response:
    image = _image(ctx, image_id)
    if image["owner"] != ctx.project_id and not ctx.is_admin:
        raise forbidden("You are not permitted to delete this image.")
    if image["protected"]:
        raise forbidden(f"Image {image_id} is protected and cannot be deleted.")
    with ctx.store.tx():
        for member in ctx.store.all("member", image_id=image_id):
            ctx.store.delete("member", member["id"])
        ctx.store.delete("image", image_id)
    return empty_response(204)
