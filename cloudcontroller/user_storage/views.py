"""``/user-storage`` (ours): GET quotas and last recorded usage; PUT one user's quota."""

from __future__ import annotations

from pyramid.view import view_config, view_defaults
from sqlalchemy import select

from cloudcontroller.accounts.lookup import get_visible_user
from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.meta import path_id
from cloudcontroller.user_storage.services import UserStorageService, usage_json
from common.errors import BadRequest, Forbidden
from common.jsonbody import Body
from common.ownership import sees_everything, visible_owner_ids


@view_config(
    route_name="user_storage.collection",
    request_method="GET",
    renderer="scm_json",
    permission="user_storage:view",
)
def list_user_storage(request):
    stmt = select(SystemUser).order_by(SystemUser.system_name)
    visible = visible_owner_ids(request)
    if visible is not None:
        stmt = stmt.where(SystemUser.cloudauth_id.in_(visible))
    return request.ok([usage_json(request.db, su) for su in request.db.scalars(stmt)])


@view_defaults(route_name="user_storage.item", renderer="scm_json")
class UserStorageItem:
    def __init__(self, request):
        self.request = request

    def _user(self) -> SystemUser:
        return get_visible_user(self.request, path_id(self.request, "user_id", "system user"))

    @view_config(request_method="GET", permission="user_storage:view")
    def show(self):
        return self.request.ok(usage_json(self.request.db, self._user()))

    @view_config(request_method="PUT", permission="user_storage:update")
    def set_quota(self):
        """Body: ``{"quota-bytes": <int>}``; the superuser or the controller's admin only."""
        request = self.request
        su = self._user()
        # Not a named permission: the 404 for a user the caller cannot see comes first.
        if not sees_everything(request.identity):
            raise Forbidden("only the superuser sets user storage quotas")
        quota = Body(request).optional_int("quota-bytes", minimum=0)
        if quota is None:
            raise BadRequest("quota-bytes is required")
        request.find_service(UserStorageService).set_quota(su, quota)
        return request.ok(usage_json(request.db, su))
