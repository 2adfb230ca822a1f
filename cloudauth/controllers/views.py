"""``/cloud_controller/*`` and ``/system_account/*``."""

from __future__ import annotations

from pyramid.view import view_config, view_defaults

from cloudauth.controllers.services import AccountQuery, ControllerService, controller_json
from cloudauth.users.services import UserService
from common.params import Params, path_int


class _RegistryViews:
    def __init__(self, request):
        self.request = request
        self.registry: ControllerService = request.find_service(ControllerService)


@view_defaults(renderer="scm_json", permission="manage_cloud_controller")
class ControllerViews(_RegistryViews):
    def _path_controller(self):
        return self.registry.get_controller(path_int(self.request, "cc_id", "cloud controller"))

    @view_config(
        route_name="cloud_controller.list", request_method="GET", permission="authenticated"
    )
    def list_controllers(self):
        ccs = self.registry.list_controllers()
        return self.request.ok(
            {"cloud_controllers": [controller_json(c) for c in ccs], "total": len(ccs)}
        )

    @view_config(
        route_name="cloud_controller.view", request_method="GET", permission="authenticated"
    )
    def view_controller(self):
        return self.request.ok(controller_json(self._path_controller()))

    @view_config(route_name="cloud_controller.create", request_method="POST")
    def create_controller(self):
        request = self.request
        params = Params(request)
        cc_id = params.int("id", 0, minimum=0, maximum=100000) or None
        name, description = params.required("name", 255), params.optional("description", 1024)
        cc = self.registry.create_controller(request.caller.id, name, description or "", cc_id)
        request.response.status = 201
        return request.ok(controller_json(cc))

    @view_config(route_name="cloud_controller.update", request_method="POST")
    def update_controller(self):
        request = self.request
        params = Params(request)
        cc = self._path_controller()
        self.registry.update_controller(
            request.caller.id,
            cc,
            params.required("name", 255) if params.present("name") else None,
            params.optional("description", 1024) or "" if params.present("description") else None,
        )
        return request.ok(controller_json(cc))


@view_defaults(renderer="scm_json", permission="manage_system_account")
class SystemAccountViews(_RegistryViews):
    @view_config(
        route_name="system_account.list", request_method="GET", permission="view_system_account"
    )
    def list_accounts(self):
        request = self.request
        params = Params(request)
        caller = request.caller
        userid = params.optional("user_id", 32)
        if userid:
            user = request.find_service(UserService).get_user(userid)
            caller.require("view_system_account", user)
        query = AccountQuery(
            visible_to=None if caller.sees_all("view_system_account") else caller.id,
            user_id=userid or None,
            cloud_controller_id=(
                params.int("cloud_controller_id", minimum=1)
                if params.present("cloud_controller_id")
                else None
            ),
            username=params.required("username", 64) if params.present("username") else None,
        )
        rows = [dict(a.to_json(), user_id=a.user_id) for a in self.registry.list_accounts(query)]
        return request.ok({"system_accounts": rows, "total": len(rows)})

    @view_config(route_name="system_account.create", request_method="POST")
    def create_account(self):
        request = self.request
        params = Params(request)
        caller = request.caller
        user = request.find_service(UserService).get_user(params.required("user_id", 32))
        caller.require("manage_system_account", user)
        account = self.registry.create_account(
            caller.id,
            user.id,
            params.required("username", 64).strip(),
            params.required("uuid", 64).strip(),
            params.int("cloud_controller_id", minimum=1),
        )
        request.response.status = 201
        return request.ok(dict(account.to_json(), user_id=user.id))

    @view_config(route_name="system_account.delete", request_method="POST")
    def delete_account(self):
        caller = self.request.caller
        account = self.registry.get_account(path_int(self.request, "account_id", "system account"))
        user = self.request.find_service(UserService).get_user(account.user_id)
        caller.require("manage_system_account", user)
        account_id = account.id
        self.registry.delete_account(caller.id, account)
        return self.request.ok({"id": account_id})
