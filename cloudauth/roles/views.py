"""``/role/*`` and ``/permission/*`` (all behind ``manage_role``)."""

from __future__ import annotations

from pyramid.view import view_config, view_defaults

from cloudauth.roles.services import RoleService, permission_json, role_json
from common.params import INT64_MAX, Params, path_int


@view_defaults(renderer="scm_json", permission="manage_role")
class RoleViews:
    def __init__(self, request):
        self.request = request
        self.roles: RoleService = request.find_service(RoleService)

    def _path_role(self):
        return self.roles.get_role(path_int(self.request, "role_id", "role"))

    @view_config(route_name="role.list", request_method="GET")
    def list_roles(self):
        roles = self.roles.list_roles()
        return self.request.ok({"roles": [role_json(r) for r in roles], "total": len(roles)})

    @view_config(route_name="role.view", request_method="GET")
    def view_role(self):
        role = self._path_role()
        body = role_json(role)
        body["members"] = [
            {"id": u.id, "email": u.email} for u in sorted(role.members, key=lambda u: u.email_key)
        ]
        return self.request.ok(body)

    def _change_members(self, adding: bool):
        role = self._path_role()
        userids = Params(self.request).all("user_id")
        change = self.roles.add_members if adding else self.roles.remove_members
        changed = change(self.request.caller.id, role, userids)
        return self.request.ok({"role_id": role.id, "changed": [u.id for u in changed]})

    @view_config(route_name="role.add_user", request_method="POST")
    def add_user(self):
        return self._change_members(adding=True)

    @view_config(route_name="role.remove_user", request_method="POST")
    def remove_user(self):
        return self._change_members(adding=False)

    def _change_permission(self, granted: bool):
        role = self._path_role()
        permission = self.roles.get_permission(
            Params(self.request).int("permission_id", minimum=1, maximum=INT64_MAX)
        )
        self.roles.set_permission(self.request.caller.id, role, permission, granted)
        return self.request.ok(role_json(role))

    @view_config(route_name="role.add_permission", request_method="POST")
    def add_permission(self):
        return self._change_permission(granted=True)

    @view_config(route_name="role.remove_permission", request_method="POST")
    def remove_permission(self):
        return self._change_permission(granted=False)

    @view_config(route_name="permission.list", request_method="GET")
    def list_permissions(self):
        perms = self.roles.list_permissions()
        return self.request.ok(
            {"permissions": [permission_json(p) for p in perms], "total": len(perms)}
        )

    @view_config(route_name="permission.view", request_method="GET")
    def view_permission(self):
        permission = self.roles.get_permission(
            path_int(self.request, "permission_id", "permission")
        )
        return self.request.ok(permission_json(permission))
