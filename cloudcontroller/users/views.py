"""``/user``: GET (filter ``system-name`` or ``cloudauth-id``, not both), POST, GET/PUT one;
DELETE one (ours). The views check who the caller may act for, then call ``UserService``."""

from __future__ import annotations

from pyramid.view import view_config, view_defaults
from sqlalchemy import select

from cloudcontroller.accounts.lookup import get_visible_user
from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.meta import path_id
from cloudcontroller.users.services import UserService, user_json
from common.errors import BadRequest, Forbidden
from common.jsonbody import Body
from common.ownership import can_see, visible_owner_ids_for
from common.params import Params


@view_defaults(route_name="user.collection", renderer="scm_json")
class UserCollection:
    def __init__(self, request):
        self.request = request

    @view_config(request_method="GET", permission="user:view")
    def list(self):
        request = self.request
        params = Params(request)
        name, owner = params.optional("system-name", 64), params.optional("cloudauth-id", 64)
        if name and owner:
            raise BadRequest("filter by system-name or cloudauth-id, not both")
        stmt = select(SystemUser).order_by(SystemUser.system_name)
        visible = visible_owner_ids_for(request, owner)
        if visible is not None:
            stmt = stmt.where(SystemUser.cloudauth_id.in_(visible))
        if name:
            stmt = stmt.where(SystemUser.system_name == name)
        if owner:
            stmt = stmt.where(SystemUser.cloudauth_id == owner)
        return request.ok([user_json(request.db, su) for su in request.db.scalars(stmt)])

    @view_config(request_method="POST", permission="user:create")
    def create(self):
        """Body: ``{"cloudauth-id": <default: the caller>, "system-name": ... (the directory's
        under users.driver = ldap: may be left out), "ssh-public-keys": [...] (optional)}``."""
        request = self.request
        body = Body(request)
        owner = body.optional_str("cloudauth-id", 64) or request.identity.userid
        system_name = body.optional_str("system-name", 64)
        if not can_see(request, owner):
            raise Forbidden(
                "you may create system accounts only for yourself or your managed users"
            )
        users = request.find_service(UserService)
        su = users.create_user(owner, system_name)
        if body.present("ssh-public-keys"):
            users.set_ssh_keys(su, body.str_list("ssh-public-keys", 50))
        request.response.status = 201
        return request.ok(user_json(request.db, su))


@view_defaults(route_name="user.item", renderer="scm_json")
class UserItem:
    def __init__(self, request):
        self.request = request

    def _user(self) -> SystemUser:
        return get_visible_user(self.request, path_id(self.request, "user_id", "system user"))

    @view_config(request_method="GET", permission="user:view")
    def show(self):
        return self.request.ok(user_json(self.request.db, self._user()))

    @view_config(request_method="PUT", permission="user:update")
    def update(self):
        """Body: ``{"ssh-public-keys": [...]}`` replaces the user's keys ([] removes them all)."""
        su = self._user()
        body = Body(self.request)
        if not body.present("ssh-public-keys"):
            raise BadRequest("nothing to change: give ssh-public-keys")
        keys = body.str_list("ssh-public-keys", 50)
        self.request.find_service(UserService).set_ssh_keys(su, keys)
        return self.request.ok(user_json(self.request.db, su))

    @view_config(request_method="DELETE", permission="user:delete")
    def delete(self):
        """Removes the system account (409 while it has server-instances or a storage volume)."""
        su = self._user()
        user_id = su.id
        self.request.find_service(UserService).delete_user(su)
        return self.request.ok({"user-id": user_id})
