"""Glance v2 image members: sharing an image with other projects."""

from __future__ import annotations

import webob

from openstack_simulator.glance import _image, member_of, router
from openstack_simulator.http import (
    Ctx,
    bad_request,
    conflict,
    empty_response,
    forbidden,
    json_response,
    not_found,
)
from openstack_simulator.state import Store, isotime


# -- members -----------------------------------------------------------------------------------
def member_view(member: dict) -> dict:
    view = {k: member[k] for k in ("created_at", "image_id", "member_id", "status", "updated_at")}
    view["schema"] = "/v2/schemas/member"
    return view


def add_member(store: Store, image_id: str, project_id: str, status: str = "pending") -> dict:
    now = isotime()
    member = {
        "id": f"{image_id}:{project_id}",
        "image_id": image_id,
        "member_id": project_id,
        "status": status,
        "created_at": now,
        "updated_at": now,
    }
    return store.put("member", member)


@router.route("GET", "/images/{image_id}/members")
def list_members(ctx: Ctx, image_id: str) -> webob.Response:
    image = _image(ctx, image_id)
    members = ctx.store.all("member", image_id=image_id)
    if image["owner"] != ctx.project_id and not ctx.is_admin:
        members = [m for m in members if m["member_id"] == ctx.project_id]
    return json_response(
        {"members": [member_view(m) for m in members], "schema": "/v2/schemas/members"}
    )


@router.route("POST", "/images/{image_id}/members")
def post_member(ctx: Ctx, image_id: str) -> webob.Response:
    image = _image(ctx, image_id)
    if image["owner"] != ctx.project_id and not ctx.is_admin:
        raise forbidden("You are not permitted to create image members for the image.")
    if image["visibility"] != "shared":
        raise forbidden(
            f"Image members cannot be created for images with visibility "
            f"'{image['visibility']}': only shared images have members."
        )
    project_id = ctx.json().get("member")
    if not project_id:
        raise bad_request("Member to be added not specified")
    if member_of(ctx.store, image_id, project_id):
        raise conflict(f"Member {project_id} already exists for image {image_id}")
    return json_response(member_view(add_member(ctx.store, image_id, project_id)))


@router.route("GET,PUT,DELETE", "/images/{image_id}/members/{member_id}")
def member_item(ctx: Ctx, image_id: str, member_id: str) -> webob.Response:
    image = _image(ctx, image_id)
    member = member_of(ctx.store, image_id, member_id)
    owner = image["owner"] == ctx.project_id or ctx.is_admin
    if member is None or not (owner or member_id == ctx.project_id):
        raise not_found(f"{member_id} is not a member of image {image_id}")
    if ctx.request.method == "GET":
        return json_response(member_view(member))
    if ctx.request.method == "DELETE":
        if not owner:
            raise forbidden("You are not permitted to delete image members for the image.")
        ctx.store.delete("member", member["id"])
        return empty_response(204)
    status = ctx.json().get("status")
    if status not in ("pending", "accepted", "rejected"):
        raise bad_request(
            f"Provided object does not match schema 'member': '{status}' is not one "
            "of ['pending', 'accepted', 'rejected']"
        )
    if member_id != ctx.project_id:
        raise forbidden("You are not permitted to modify 'status' on this image member.")
    member.update(status=status, updated_at=isotime())
    ctx.store.put("member", member)
    return json_response(member_view(member))
