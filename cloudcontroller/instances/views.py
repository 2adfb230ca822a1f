"""``/server-instance``: GET lists or reads, POST creates, PUT changes power or the user list,
DELETE deletes (shared/API.md). Bodies are JSON."""

from __future__ import annotations

from pyramid.view import view_config

from cloudcontroller.instances import models as m
from cloudcontroller.instances import services
from cloudcontroller.meta import path_id
from common.envelope import ok_json_text
from common.errors import BadRequest, Forbidden
from common.jsonbody import Body
from common.params import Params

JSON = "scm_json"
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


def json_body(request) -> dict:
    if not request.body:
        raise BadRequest("the body must be a JSON object")
    return Body(request).data


@view_config(
    route_name="server_instance.collection",
    request_method="GET",
    renderer=JSON,
    permission="authenticated",
)
def list_instances(request):
    params = Params(request)
    query = services.visible_query(request)
    owner = params.optional("cloudauth-id", 32)
    if owner:
        query = query.where(m.ServerInstance.cloudauth_id == owner)
    status = params.optional("status", 16)
    if status:
        if status.upper() not in STATUSES:
            raise BadRequest(f"status must be one of {', '.join(sorted(STATUSES))}")
        query = query.where(m.ServerInstance.status == status.upper())
    return ok_json_text(request, services.list_json_text(request.db, query))


@view_config(
    route_name="server_instance.collection",
    request_method="POST",
    renderer=JSON,
    permission="authenticated",
)
def create_instance(request):
    inst = services.create(request, json_body(request))
    request.response.status = 201
    return request.ok(services.instance_json(inst))


@view_config(
    route_name="server_instance.item",
    request_method="GET",
    renderer=JSON,
    permission="authenticated",
)
def get_instance(request):
    inst, _ = services.get_instance(request, path_id(request, "instance_id", "server-instance"))
    return request.ok(services.instance_json(inst))


@view_config(
    route_name="server_instance.item",
    request_method="PUT",
    renderer=JSON,
    permission="authenticated",
)
def change_instance(request):
    inst, allowed = services.get_instance(
        request, path_id(request, "instance_id", "server-instance")
    )
    body = json_body(request)
    unknown = set(body) - {"power", "users"}
    if unknown or not body:
        raise BadRequest("a change names power (on, off, reboot) and/or users")
    if "users" in body:
        grants = services.parse_users(body["users"])
        if not allowed.manage:
            raise Forbidden("only the owner, their account owner or a superuser sets the users")
        services.set_users(request, inst, grants)
    if "power" in body:
        if not allowed.power:
            raise Forbidden("you may not power this server-instance on or off")
        services.change_power(request, inst, body["power"])
    return request.ok(services.instance_json(inst))


@view_config(
    route_name="server_instance.item",
    request_method="DELETE",
    renderer=JSON,
    permission="authenticated",
)
def delete_instance(request):
    inst, allowed = services.get_instance(
        request, path_id(request, "instance_id", "server-instance")
    )
    if not allowed.delete:
        raise Forbidden("you may not delete this server-instance")
    services.delete(request, inst)
    return request.ok(services.instance_json(inst))
