"""``/role/*`` and ``/permission/*``."""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from cloudauth.audit.services import audit
from cloudauth.roles import services
from cloudauth.roles.models import Permission, Role
from cloudauth.tokenstore.services import TokenRevocation
from common.params import INT64_MAX, Params, path_int

JSON = "scm_json"


@view_config(route_name="role.list", request_method="GET", renderer=JSON, permission="manage_role")
def list_roles(request):
    roles = list(request.db.scalars(select(Role).order_by(Role.id)))
    return request.ok({"roles": [services.role_json(r) for r in roles], "total": len(roles)})


@view_config(route_name="role.view", request_method="GET", renderer=JSON, permission="manage_role")
def view_role(request):
    role = services.get_role(request.db, path_int(request, "role_id", "role"))
    body = services.role_json(role)
    body["members"] = [
        {"id": u.id, "email": u.email} for u in sorted(role.members, key=lambda u: u.email_key)
    ]
    return request.ok(body)


def _change_members(request, adding: bool):
    role = services.get_role(request.db, path_int(request, "role_id", "role"))
    users = services.users_by_ids(request.db, Params(request).all("user_id"))
    change = services.add_members if adding else services.remove_members
    changed = change(request.db, role, users)
    for user in changed:
        request.find_service(TokenRevocation).forget_cached(user.id)
        audit(
            request,
            "role.member_added" if adding else "role.member_removed",
            actor=request.caller.id,
            subject=user.id,
            detail=role.name,
        )
    return request.ok({"role_id": role.id, "changed": [u.id for u in changed]})


@view_config(
    route_name="role.add_user", request_method="POST", renderer=JSON, permission="manage_role"
)
def add_user(request):
    return _change_members(request, adding=True)


@view_config(
    route_name="role.remove_user", request_method="POST", renderer=JSON, permission="manage_role"
)
def remove_user(request):
    return _change_members(request, adding=False)


def _change_permission(request, granted: bool):
    role = services.get_role(request.db, path_int(request, "role_id", "role"))
    permission = services.get_permission(
        request.db, Params(request).int("permission_id", minimum=1, maximum=INT64_MAX)
    )
    services.set_permission(request.db, role, permission, granted)
    for user in role.members:
        request.find_service(TokenRevocation).forget_cached(user.id)
    audit(
        request,
        "role.permission_granted" if granted else "role.permission_revoked",
        actor=request.caller.id,
        detail=f"{role.name}:{permission.name}",
    )
    return request.ok(services.role_json(role))


@view_config(
    route_name="role.add_permission", request_method="POST", renderer=JSON, permission="manage_role"
)
def add_permission(request):
    return _change_permission(request, granted=True)


@view_config(
    route_name="role.remove_permission",
    request_method="POST",
    renderer=JSON,
    permission="manage_role",
)
def remove_permission(request):
    return _change_permission(request, granted=False)


@view_config(
    route_name="permission.list", request_method="GET", renderer=JSON, permission="manage_role"
)
def list_permissions(request):
    perms = list(request.db.scalars(select(Permission).order_by(Permission.name)))
    return request.ok(
        {"permissions": [services.permission_json(p) for p in perms], "total": len(perms)}
    )


@view_config(
    route_name="permission.view", request_method="GET", renderer=JSON, permission="manage_role"
)
def view_permission(request):
    permission = services.get_permission(
        request.db, path_int(request, "permission_id", "permission")
    )
    return request.ok(services.permission_json(permission))
