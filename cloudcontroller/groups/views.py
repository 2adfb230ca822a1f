"""``/group``: GET (filter ``group-name`` or ``cloudauth-id``, not both), POST; PUT and DELETE
one (ours)."""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from cloudcontroller.groups import services
from cloudcontroller.groups.models import SystemGroup
from cloudcontroller.meta import path_id
from common.errors import BadRequest, NotFound
from common.jsonbody import Body
from common.ownership import can_see, visible_owner_ids
from common.params import Params

JSON = "scm_json"


def _visible_group(request) -> SystemGroup:
    group_id = path_id(request, "group_id", "group")
    group = request.db.get(SystemGroup, group_id)
    if group is None or not can_see(request, group.cloudauth_id):
        raise NotFound(f"no group {group_id}")
    return group


@view_config(
    route_name="group.collection", request_method="GET", renderer=JSON, permission="authenticated"
)
def list_groups(request):
    params = Params(request)
    name, owner = params.optional("group-name", 64), params.optional("cloudauth-id", 64)
    if name and owner:
        raise BadRequest("filter by group-name or cloudauth-id, not both")
    stmt = select(SystemGroup).order_by(SystemGroup.group_name)
    visible = visible_owner_ids(request)
    if visible is not None:
        stmt = stmt.where(SystemGroup.cloudauth_id.in_(visible))
    if name:
        stmt = stmt.where(SystemGroup.group_name == name)
    if owner:
        stmt = stmt.where(SystemGroup.cloudauth_id == owner)
    return request.ok([services.group_json(request.db, g) for g in request.db.scalars(stmt)])


@view_config(
    route_name="group.collection", request_method="POST", renderer=JSON, permission="authenticated"
)
def create_group(request):
    """Body: ``{"group-name": ..., "group-members": [user-id...], "cloudauth-id": <caller>}``."""
    body = Body(request)
    owner = body.optional_str("cloudauth-id", 64) or request.identity.userid
    group = services.create_group(
        request, owner, body.str("group-name", 64), body.str_list("group-members", 1000, 64)
    )
    request.response.status = 201
    return request.ok(services.group_json(request.db, group))


@view_config(
    route_name="group.item", request_method="GET", renderer=JSON, permission="authenticated"
)
def show_group(request):
    return request.ok(services.group_json(request.db, _visible_group(request)))


@view_config(
    route_name="group.item", request_method="PUT", renderer=JSON, permission="authenticated"
)
def update_group(request):
    """Body: ``{"group-members": [user-id...]}`` replaces the members."""
    group = _visible_group(request)
    body = Body(request)
    if not body.present("group-members"):
        raise BadRequest("nothing to change: give group-members")
    services.set_members(request, group, body.str_list("group-members", 1000, 64))
    return request.ok(services.group_json(request.db, group))


@view_config(
    route_name="group.item", request_method="DELETE", renderer=JSON, permission="authenticated"
)
def delete_group(request):
    group = _visible_group(request)
    services.delete_group(request, group)
    return request.ok({"group-id": group.id})
