"""``/group``: GET (filter ``group-name`` or ``cloudauth-id``, not both), POST; PUT and DELETE
one (ours). The views find what the caller sees, then call ``GroupService`` with the caller's
ownership rule."""

from __future__ import annotations

from functools import partial

from pyramid.view import view_config, view_defaults
from sqlalchemy import select

from cloudcontroller.groups.models import SystemGroup
from cloudcontroller.groups.services import GroupService, group_json
from cloudcontroller.meta import path_id
from common.errors import BadRequest, NotFound
from common.jsonbody import Body
from common.ownership import can_see, visible_owner_ids_for
from common.params import Params


@view_defaults(route_name="group.collection", renderer="scm_json")
class GroupCollection:
    def __init__(self, request):
        self.request = request

    @view_config(request_method="GET", permission="group:view")
    def list(self):
        request = self.request
        params = Params(request)
        name, owner = params.optional("group-name", 64), params.optional("cloudauth-id", 64)
        if name and owner:
            raise BadRequest("filter by group-name or cloudauth-id, not both")
        stmt = select(SystemGroup).order_by(SystemGroup.group_name)
        visible = visible_owner_ids_for(request, owner)
        if visible is not None:
            stmt = stmt.where(SystemGroup.cloudauth_id.in_(visible))
        if name:
            stmt = stmt.where(SystemGroup.group_name == name)
        if owner:
            stmt = stmt.where(SystemGroup.cloudauth_id == owner)
        return request.ok([group_json(request.db, g) for g in request.db.scalars(stmt)])

    @view_config(request_method="POST", permission="group:create")
    def create(self):
        """Body: ``{"group-name": ..., "group-members": [user-id...],
        "cloudauth-id": <default: the caller>}``."""
        request = self.request
        body = Body(request)
        owner = body.optional_str("cloudauth-id", 64) or request.identity.userid
        group = request.find_service(GroupService).create_group(
            owner,
            body.str("group-name", 64),
            body.str_list("group-members", 1000, 64),
            partial(can_see, request),
        )
        request.response.status = 201
        return request.ok(group_json(request.db, group))


@view_defaults(route_name="group.item", renderer="scm_json")
class GroupItem:
    def __init__(self, request):
        self.request = request

    def _group(self) -> SystemGroup:
        group_id = path_id(self.request, "group_id", "group")
        group = self.request.db.get(SystemGroup, group_id)
        if group is None or not can_see(self.request, group.cloudauth_id):
            raise NotFound(f"no group {group_id}")
        return group

    @view_config(request_method="GET", permission="group:view")
    def show(self):
        return self.request.ok(group_json(self.request.db, self._group()))

    @view_config(request_method="PUT", permission="group:update")
    def update(self):
        """Body: ``{"group-members": [user-id...]}`` replaces the members."""
        request = self.request
        group = self._group()
        body = Body(request)
        if not body.present("group-members"):
            raise BadRequest("nothing to change: give group-members")
        members = body.str_list("group-members", 1000, 64)
        request.find_service(GroupService).set_members(group, members, partial(can_see, request))
        return request.ok(group_json(request.db, group))

    @view_config(request_method="DELETE", permission="group:delete")
    def delete(self):
        group = self._group()
        self.request.find_service(GroupService).delete_group(group)
        return self.request.ok({"group-id": group.id})
