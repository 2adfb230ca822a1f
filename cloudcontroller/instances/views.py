"""``/server-instance``: GET lists or reads, POST creates, PUT changes power or the user list,
DELETE deletes (shared/API.md). Bodies are JSON. The views parse the body and check who may do
what (``instances.access``), then call ``InstanceService`` with plain values."""

from __future__ import annotations

from pyramid.view import view_config, view_defaults

from cloudcontroller.images.services import ImageService
from cloudcontroller.instances import access, listing
from cloudcontroller.instances import models as m
from cloudcontroller.instances.grants import parse_users
from cloudcontroller.instances.services import InstanceService
from cloudcontroller.meta import path_id
from common.envelope import ok_json_text
from common.errors import BadRequest, Forbidden
from common.jsonbody import Body
from common.ownership import can_see
from common.params import Params, is_openstack_id

STATUSES = {
    m.BUILD,
    m.BOOT,
    m.CONFIGURING,
    m.ACTIVE,
    m.STOPPING,
    m.STOPPED,
    m.STARTING,
    m.REBOOTING,
    m.DELETING,
    m.DELETED,
    m.ERROR,
    m.FAILED,
}


# Any of these asks for one sorted page (with ``total``); without them, the whole list as before.
PAGING = ("search", "sort", "order", "offset", "limit")


def json_body(request) -> dict:
    if not request.body:
        raise BadRequest("the body must be a JSON object")
    return Body(request).data


@view_defaults(route_name="server_instance.collection", renderer="scm_json")
class InstanceCollection:
    def __init__(self, request):
        self.request = request

    @view_config(request_method="GET", permission="instance:view")
    def list(self):
        request = self.request
        params = Params(request)
        query = access.visible_query(request)
        owner = params.optional("cloudauth-id", 32)
        if owner:
            query = query.where(m.ServerInstance.cloudauth_id == owner)
        status = params.optional("status", 16)
        if status:
            if status.upper() not in STATUSES:
                raise BadRequest(f"status must be one of {', '.join(sorted(STATUSES))}")
            query = query.where(m.ServerInstance.status == status.upper())
        # Optional, for the portal's first page of live nodes: ``deleted=false`` leaves out the
        # DELETED records (kept for the deleted-instances page). Absent, both, as before.
        if not params.bool("deleted", True):
            query = query.where(m.ServerInstance.status != m.DELETED)
        if any(params.present(name) for name in PAGING):
            return self._page(params, query)
        return ok_json_text(request, listing.list_json_text(request.db, query))

    def _page(self, params: Params, query):
        """The superuser's lists of thousands (issue 12): ``search``, ``sort``/``order``,
        ``offset``/``limit``; the answer's ``total`` counts every match."""
        search = params.optional("search", 64)
        if search and search.strip():
            query = listing.searched(query, search.strip())
        sort = (params.optional("sort", 32) or "creation-date").strip()
        if sort not in listing.SORTS:
            raise BadRequest(f"sort must be one of {', '.join(sorted(listing.SORTS))}")
        order = (params.optional("order", 4) or "asc").strip().lower()
        if order not in ("asc", "desc"):
            raise BadRequest("order must be asc or desc")
        offset = params.int("offset", 0)
        limit = params.int("limit", 50, minimum=1, maximum=1000)
        total, text = listing.page_json_text(
            self.request.db, query, sort, order == "desc", offset, limit
        )
        return ok_json_text(self.request, text, total=total)

    @view_config(request_method="POST", permission="instance:create")
    def create(self):
        request = self.request
        body = json_body(request)
        image_id, flavor_ref = body.get("server-image"), body.get("server-flavor")
        for name, value in (("server-image", image_id), ("server-flavor", flavor_ref)):
            if not value:
                raise BadRequest(f"{name} is required")
            if not is_openstack_id(value) or len(value) > 64:
                # checked before it goes into an OpenStack URL: ".." would climb the path
                raise BadRequest(f"{name} must be an OpenStack id, not {str(value)[:40]!r}")
        owner = body.get("cloudauth-id") or request.identity.userid
        if not isinstance(owner, str) or len(owner) > 32:
            raise BadRequest("cloudauth-id must be a Cloud Auth user id")
        if not can_see(request, owner):
            raise Forbidden("you may not create server-instances for that user")
        grants = parse_users(body.get("users", []))
        sees_all, names = request.find_service(ImageService).requester(request.identity)
        inst = request.find_service(InstanceService).create(
            owner, image_id, flavor_ref, grants, sees_all, names
        )
        request.response.status = 201
        return request.ok(listing.instance_json(inst))


@view_defaults(route_name="server_instance.item", renderer="scm_json")
class InstanceItem:
    def __init__(self, request):
        self.request = request
        self.service = request.find_service(InstanceService)

    def _instance(self) -> tuple[m.ServerInstance, access.Access]:
        instance_id = path_id(self.request, "instance_id", "server-instance")
        return access.get_instance(self.request, instance_id)

    @view_config(request_method="GET", permission="instance:view")
    def show(self):
        inst, _ = self._instance()
        return self.request.ok(listing.instance_json(inst))

    @view_config(request_method="PUT", permission="instance:update")
    def change(self):
        inst, allowed = self._instance()
        body = json_body(self.request)
        unknown = set(body) - {"power", "users"}
        if unknown or not body:
            raise BadRequest("a change names power (on, off, reboot) and/or users")
        if "users" in body:
            grants = parse_users(body["users"])
            if not allowed.manage:
                raise Forbidden("only the owner, their account owner or a superuser sets the users")
            self.service.set_users(inst, grants)
        if "power" in body:
            if not allowed.power:
                raise Forbidden("you may not power this server-instance on or off")
            self.service.change_power(inst, body["power"])
        return self.request.ok(listing.instance_json(inst))

    @view_config(request_method="DELETE", permission="instance:delete")
    def delete(self):
        inst, allowed = self._instance()
        if not allowed.delete:
            raise Forbidden("you may not delete this server-instance")
        self.service.delete(inst)
        return self.request.ok(listing.instance_json(inst))
