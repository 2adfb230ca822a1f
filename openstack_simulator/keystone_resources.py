"""Keystone v3 identity resources: users, projects, roles, domains and role assignments."""

from __future__ import annotations

import secrets

import webob

from openstack_simulator.http import (
    Ctx,
    bad_request,
    conflict,
    empty_response,
    forbidden,
    json_response,
    not_found,
)
from openstack_simulator.keystone import hash_password, roles_on, router
from openstack_simulator.state import Store, hex_id


# -- identity resources ------------------------------------------------------------------------
def _admin(ctx: Ctx) -> None:
    if not ctx.is_admin:
        raise forbidden("You are not authorized to perform the requested action.")


def _links(ctx: Ctx, path: str) -> dict:
    return {"self": f"{ctx.base}/identity/v3/{path}"}


def _list_links(ctx: Ctx, path: str) -> dict:
    return {"self": f"{ctx.base}/identity/v3/{path}", "previous": None, "next": None}


def user_view(ctx: Ctx, user: dict) -> dict:
    view = {k: v for k, v in user.items() if k != "password_hash"}
    view.setdefault("password_expires_at", None)
    view["options"] = {}
    view["links"] = _links(ctx, f"users/{user['id']}")
    return view


def project_view(ctx: Ctx, project: dict) -> dict:
    return {**project, "links": _links(ctx, f"projects/{project['id']}")}


def role_view(ctx: Ctx, role: dict) -> dict:
    return {**role, "links": _links(ctx, f"roles/{role['id']}")}


def _filtered(ctx: Ctx, kind: str) -> list[dict]:
    items = ctx.store.all(kind)
    for key in ("name", "domain_id", "enabled"):
        if key in ctx.request.GET:
            wanted = ctx.request.GET[key]
            if key == "enabled":
                items = [i for i in items if str(i.get(key, True)).lower() == wanted.lower()]
            else:
                items = [i for i in items if i.get(key) == wanted]
    return items


def create_user(store: Store, name: str, password: str, domain_id: str = "default", **extra):
    if store.all("user", name=name, domain_id=domain_id):
        raise conflict(
            "Conflict occurred attempting to store user - Duplicate entry found with name "
            f"{name} at domain ID {domain_id}."
        )
    user = {
        "id": hex_id(),
        "name": name,
        "domain_id": domain_id,
        "enabled": extra.get("enabled", True),
        "password_hash": hash_password(password or secrets.token_hex(8)),
    }
    for key in ("default_project_id", "description", "email"):
        if extra.get(key) is not None:
            user[key] = extra[key]
    return store.put("user", user)


def create_project(store: Store, name: str, domain_id: str = "default", **extra):
    if store.all("project", name=name, domain_id=domain_id):
        raise conflict(
            "Conflict occurred attempting to store project - it is not permitted to have two "
            f"projects with either the same name or same id in the same domain: name is {name}, "
            f"project id {extra.get('id', '')}."
        )
    project = {
        "id": extra.get("id") or hex_id(),
        "name": name,
        "domain_id": domain_id,
        "description": extra.get("description") or "",
        "enabled": extra.get("enabled", True),
        "is_domain": False,
        "parent_id": domain_id,
        "tags": [],
        "options": {},
    }
    return store.put("project", project)


def create_role(store: Store, name: str) -> dict:
    if store.all("role", name=name):
        raise conflict(f"Conflict occurred attempting to store role - Duplicate entry: {name}.")
    role = {"id": hex_id(), "name": name, "domain_id": None, "description": None, "options": {}}
    return store.put("role", role)


def grant(store: Store, project_id: str, user_id: str, role_id: str) -> None:
    aid = f"{project_id}:{user_id}:{role_id}"
    store.put(
        "assignment", {"id": aid, "project_id": project_id, "user_id": user_id, "role_id": role_id}
    )


@router.route("GET", "/v3/users")
def list_users(ctx: Ctx) -> webob.Response:
    _admin(ctx)
    users = [user_view(ctx, u) for u in _filtered(ctx, "user")]
    return json_response({"users": users, "links": _list_links(ctx, "users")})


@router.route("POST", "/v3/users")
def post_user(ctx: Ctx) -> webob.Response:
    _admin(ctx)
    spec = ctx.json().get("user") or {}
    if not spec.get("name"):
        raise bad_request("Invalid input for field 'name': None is not of type 'string'.")
    fields = {k: spec.get(k) for k in ("default_project_id", "description", "email", "enabled")}
    if fields["enabled"] is None:
        fields["enabled"] = True
    user = create_user(
        ctx.store,
        spec["name"],
        spec.get("password") or "",
        spec.get("domain_id") or "default",
        **fields,
    )
    return json_response({"user": user_view(ctx, user)}, 201)


def _get(ctx: Ctx, kind: str, rid: str) -> dict:
    item = ctx.store.get(kind, rid)
    if item is None:
        raise not_found(f"Could not find {kind}: {rid}.")
    return item


@router.route("GET", "/v3/users/{user_id}")
def get_user(ctx: Ctx, user_id: str) -> webob.Response:
    if user_id != ctx.user_id:
        _admin(ctx)
    return json_response({"user": user_view(ctx, _get(ctx, "user", user_id))})


@router.route("PATCH", "/v3/users/{user_id}")
def patch_user(ctx: Ctx, user_id: str) -> webob.Response:
    _admin(ctx)
    user = _get(ctx, "user", user_id)
    spec = ctx.json().get("user") or {}
    if "password" in spec:
        user["password_hash"] = hash_password(spec.pop("password") or "")
    for key in ("name", "enabled", "description", "email", "default_project_id"):
        if key in spec:
            user[key] = spec[key]
    ctx.store.put("user", user)
    return json_response({"user": user_view(ctx, user)})


@router.route("DELETE", "/v3/users/{user_id}")
def delete_user(ctx: Ctx, user_id: str) -> webob.Response:
    _admin(ctx)
    _get(ctx, "user", user_id)
    with ctx.store.tx():
        for assignment in ctx.store.all("assignment", user_id=user_id):
            ctx.store.delete("assignment", assignment["id"])
        for token in ctx.store.all("token"):
            if token["user"]["id"] == user_id:
                ctx.store.delete("token", token["id"])
        ctx.store.delete("user", user_id)
    return empty_response(204)


@router.route("GET", "/v3/projects")
def list_projects(ctx: Ctx) -> webob.Response:
    _admin(ctx)
    projects = [project_view(ctx, p) for p in _filtered(ctx, "project")]
    return json_response({"projects": projects, "links": _list_links(ctx, "projects")})


@router.route("POST", "/v3/projects")
def post_project(ctx: Ctx) -> webob.Response:
    _admin(ctx)
    spec = ctx.json().get("project") or {}
    if not spec.get("name"):
        raise bad_request("Invalid input for field 'name': None is not of type 'string'.")
    project = create_project(
        ctx.store,
        spec["name"],
        spec.get("domain_id") or "default",
        description=spec.get("description"),
        enabled=spec.get("enabled", True),
    )
    return json_response({"project": project_view(ctx, project)}, 201)


@router.route("GET", "/v3/projects/{project_id}")
def get_project(ctx: Ctx, project_id: str) -> webob.Response:
    if project_id != ctx.project_id:
        _admin(ctx)
    return json_response({"project": project_view(ctx, _get(ctx, "project", project_id))})


@router.route("DELETE", "/v3/projects/{project_id}")
def delete_project(ctx: Ctx, project_id: str) -> webob.Response:
    _admin(ctx)
    _get(ctx, "project", project_id)
    with ctx.store.tx():
        for assignment in ctx.store.all("assignment", project_id=project_id):
            ctx.store.delete("assignment", assignment["id"])
        ctx.store.delete("project", project_id)
    return empty_response(204)


@router.route("GET", "/v3/roles")
def list_roles(ctx: Ctx) -> webob.Response:
    roles = [role_view(ctx, r) for r in _filtered(ctx, "role")]
    return json_response({"roles": roles, "links": _list_links(ctx, "roles")})


@router.route("POST", "/v3/roles")
def post_role(ctx: Ctx) -> webob.Response:
    _admin(ctx)
    spec = ctx.json().get("role") or {}
    if not spec.get("name"):
        raise bad_request("Invalid input for field 'name': None is not of type 'string'.")
    return json_response({"role": role_view(ctx, create_role(ctx.store, spec["name"]))}, 201)


@router.route("GET", "/v3/roles/{role_id}")
def get_role(ctx: Ctx, role_id: str) -> webob.Response:
    return json_response({"role": role_view(ctx, _get(ctx, "role", role_id))})


@router.route("GET", "/v3/domains")
def list_domains(ctx: Ctx) -> webob.Response:
    domains = [{**d, "links": _links(ctx, f"domains/{d['id']}")} for d in _filtered(ctx, "domain")]
    return json_response({"domains": domains, "links": _list_links(ctx, "domains")})


@router.route("GET", "/v3/domains/{domain_id}")
def get_domain(ctx: Ctx, domain_id: str) -> webob.Response:
    domain = _get(ctx, "domain", domain_id)
    return json_response({"domain": {**domain, "links": _links(ctx, f"domains/{domain_id}")}})


@router.route("GET", "/v3/projects/{project_id}/users/{user_id}/roles")
def list_grants(ctx: Ctx, project_id: str, user_id: str) -> webob.Response:
    _admin(ctx)
    _get(ctx, "project", project_id)
    _get(ctx, "user", user_id)
    roles = [
        role_view(ctx, _get(ctx, "role", r["id"])) for r in roles_on(ctx.store, user_id, project_id)
    ]
    path = f"projects/{project_id}/users/{user_id}/roles"
    return json_response({"roles": roles, "links": _list_links(ctx, path)})


@router.route("PUT,GET,HEAD,DELETE", "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}")
def role_grant(ctx: Ctx, project_id: str, user_id: str, role_id: str) -> webob.Response:
    _admin(ctx)
    _get(ctx, "project", project_id)
    _get(ctx, "user", user_id)
    _get(ctx, "role", role_id)
    aid = f"{project_id}:{user_id}:{role_id}"
    if ctx.request.method == "PUT":
        grant(ctx.store, project_id, user_id, role_id)
        return empty_response(204)
    if ctx.store.get("assignment", aid) is None:
        raise not_found(
            f"Could not find role assignment with role: {role_id}, user or group: {user_id}, "
            f"project, domain, or system: {project_id}."
        )
    if ctx.request.method == "DELETE":
        ctx.store.delete("assignment", aid)
    return empty_response(204)


@router.route("GET", "/v3/role_assignments")
def list_assignments(ctx: Ctx) -> webob.Response:
    _admin(ctx)
    query = ctx.request.GET
    result = []
    for a in ctx.store.all("assignment"):
        if query.get("user.id", a["user_id"]) != a["user_id"]:
            continue
        if query.get("scope.project.id", a["project_id"]) != a["project_id"]:
            continue
        if query.get("role.id", a["role_id"]) != a["role_id"]:
            continue
        link = (
            f"{ctx.base}/identity/v3/projects/{a['project_id']}/users/{a['user_id']}"
            f"/roles/{a['role_id']}"
        )
        result.append(
            {
                "role": {"id": a["role_id"]},
                "user": {"id": a["user_id"]},
                "scope": {"project": {"id": a["project_id"]}},
                "links": {"assignment": link},
            }
        )
    return json_response(
        {"role_assignments": result, "links": _list_links(ctx, "role_assignments")}
    )
