"""``/user``: GET (filter ``system-name`` or ``cloudauth-id``, not both), POST, GET/PUT one;
DELETE one (ours)."""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from cloudcontroller.accounts.lookup import get_visible_user
from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.meta import path_id
from cloudcontroller.users import services
from common.errors import BadRequest
from common.jsonbody import Body
from common.ownership import visible_owner_ids
from common.params import Params

JSON = "scm_json"


@view_config(
    route_name="user.collection", request_method="GET", renderer=JSON, permission="authenticated"
)
def list_users(request):
    params = Params(request)
    name, owner = params.optional("system-name", 64), params.optional("cloudauth-id", 64)
    if name and owner:
        raise BadRequest("filter by system-name or cloudauth-id, not both")
    stmt = select(SystemUser).order_by(SystemUser.system_name)
    visible = visible_owner_ids(request)
    if visible is not None:
        stmt = stmt.where(SystemUser.cloudauth_id.in_(visible))
    if name:
        stmt = stmt.where(SystemUser.system_name == name)
    if owner:
        stmt = stmt.where(SystemUser.cloudauth_id == owner)
    return request.ok([services.user_json(request.db, su) for su in request.db.scalars(stmt)])


@view_config(
    route_name="user.collection", request_method="POST", renderer=JSON, permission="authenticated"
)
def create_user(request):
    """Body: ``{"cloudauth-id": <default: the caller>, "system-name": ... (the directory's
    under users.driver = ldap: may be left out), "ssh-public-keys": [...] (optional)}``."""
    body = Body(request)
    owner = body.optional_str("cloudauth-id", 64) or request.identity.userid
    su = services.create_user(request, owner, body.optional_str("system-name", 64))
    if body.present("ssh-public-keys"):
        services.set_ssh_keys(request, su, body.str_list("ssh-public-keys", 50))
    request.response.status = 201
    return request.ok(services.user_json(request.db, su))


@view_config(
    route_name="user.item", request_method="GET", renderer=JSON, permission="authenticated"
)
def show_user(request):
    su = get_visible_user(request, path_id(request, "user_id", "system user"))
    return request.ok(services.user_json(request.db, su))


@view_config(
    route_name="user.item", request_method="PUT", renderer=JSON, permission="authenticated"
)
def update_user(request):
    """Body: ``{"ssh-public-keys": [...]}`` replaces the user's keys ([] removes them all)."""
    su = get_visible_user(request, path_id(request, "user_id", "system user"))
    body = Body(request)
    if not body.present("ssh-public-keys"):
        raise BadRequest("nothing to change: give ssh-public-keys")
    services.set_ssh_keys(request, su, body.str_list("ssh-public-keys", 50))
    return request.ok(services.user_json(request.db, su))


@view_config(
    route_name="user.item", request_method="DELETE", renderer=JSON, permission="authenticated"
)
def delete_user(request):
    """Removes the system account (409 while it has server-instances or a storage volume)."""
    su = get_visible_user(request, path_id(request, "user_id", "system user"))
    user_id = su.id
    services.delete_user(request, su)
    return request.ok({"user-id": user_id})
