"""``/user-storage`` (ours): GET quotas and last recorded usage; PUT one user's quota."""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from cloudcontroller.accounts.lookup import get_visible_user
from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.meta import path_id
from cloudcontroller.user_storage import services
from common.errors import BadRequest, Forbidden
from common.jsonbody import Body
from common.ownership import sees_everything, visible_owner_ids

JSON = "scm_json"


@view_config(
    route_name="user_storage.collection",
    request_method="GET",
    renderer=JSON,
    permission="authenticated",
)
def list_user_storage(request):
    stmt = select(SystemUser).order_by(SystemUser.system_name)
    visible = visible_owner_ids(request)
    if visible is not None:
        stmt = stmt.where(SystemUser.cloudauth_id.in_(visible))
    return request.ok([services.usage_json(request.db, su) for su in request.db.scalars(stmt)])


@view_config(
    route_name="user_storage.item", request_method="GET", renderer=JSON, permission="authenticated"
)
def show_user_storage(request):
    su = get_visible_user(request, path_id(request, "user_id", "system user"))
    return request.ok(services.usage_json(request.db, su))


@view_config(
    route_name="user_storage.item", request_method="PUT", renderer=JSON, permission="authenticated"
)
def set_user_quota(request):
    """Body: ``{"quota-bytes": <int>}``; the superuser or the controller's admin only."""
    su = get_visible_user(request, path_id(request, "user_id", "system user"))
    if not sees_everything(request.identity):
        raise Forbidden("only the superuser sets user storage quotas")
    quota = Body(request).optional_int("quota-bytes", minimum=0)
    if quota is None:
        raise BadRequest("quota-bytes is required")
    settings = request.registry["scm.settings"].user_storage
    services.set_quota(request.db, settings, su, quota, request.now)
    return request.ok(services.usage_json(request.db, su))
