"""``/user/*`` and ``/api_key/*``."""

from __future__ import annotations

import uuid

from pyramid.view import view_config

from cloudauth.audit.services import audit
from cloudauth.tokenstore.services import TokenRevocation
from cloudauth.users import apikeys
from cloudauth.users.services import (
    UserQuery,
    create_user,
    get_user,
    list_users,
    owned_counts,
    set_password,
    update_user,
    user_json,
)
from common.errors import BadRequest
from common.params import Params, path_uuid
from common.security import TOKEN_HEADER

JSON = "scm_json"


def path_userid(request) -> str:
    """The user id in the URL path: a UUID, stored as 32 hex digits (either spelling is read)."""
    return uuid.UUID(path_uuid(request, "user_id", "user")).hex


def _userids(params: Params) -> tuple[str, ...]:
    values = params.all("userid", 64)
    if len(values) > 1000:
        raise BadRequest("give at most 1000 userid values")
    try:
        return tuple(uuid.UUID(v.strip()).hex for v in values)
    except ValueError:
        raise BadRequest("userid must be a Cloud Auth user id (a UUID)") from None


def _descending(params: Params) -> bool:
    order = (params.optional("order", 4) or "asc").strip().lower()
    if order not in ("asc", "desc"):
        raise BadRequest("order must be asc or desc")
    return order == "desc"


@view_config(route_name="user.list", request_method="GET", renderer=JSON, permission="view_user")
def list_view(request):
    params = Params(request)
    query = UserQuery(
        owner_userid=params.optional("owner_userid", 32),
        show_inactive=params.bool("show_inactive"),
        registration_source=params.optional("registration_source", 32),
        email=params.optional("email", 254),
        offset=params.int("offset", 0),
        limit=params.int("limit", 1000, minimum=1, maximum=10000),
        search=params.optional("search", 254),
        sort=params.optional("sort", 32),
        descending=_descending(params),
        userids=_userids(params),
    )
    caller = request.caller
    total, users = list_users(request.db, caller, query)
    counts = owned_counts(request.db, [u.id for u in users]) if caller.is_superuser else {}
    return request.ok(
        {"total": total, "users": [user_json(u, caller, counts.get(u.id)) for u in users]}
    )


@view_config(
    route_name="user.view", request_method="GET", renderer=JSON, permission="authenticated"
)
def view(request):
    caller = request.caller
    user = get_user(request.db, path_userid(request))
    caller.require("view_user", user)
    counts = owned_counts(request.db, [user.id]) if caller.is_superuser else {}
    return request.ok(user_json(user, caller, counts.get(user.id)))


@view_config(
    route_name="user.create", request_method="POST", renderer=JSON, permission="create_user"
)
def create(request):
    params = Params(request)
    caller = request.caller
    source = params.optional("registration_source", 32) or "api"
    roles = ()
    default_role = request.registry["scm.settings"].default_user_role
    if params.bool("apply_default_role") and default_role:
        roles = (default_role,)
    user = create_user(
        request.db,
        caller,
        email=params.required("email", 254),
        name=params.optional("name", 255) or "",
        password=params.optional("password", 1024),
        owner_userid=params.optional("owner_userid", 32),
        registration_source=source,
        default_roles=roles,
    )
    if params.present("active"):
        user.active = int(params.bool("active"))
    audit(request, "user.created", actor=caller.id, subject=user.id, detail=f"source={source}")
    request.response.status = 201
    return request.ok(user_json(user, caller), "user created")


@view_config(
    route_name="user.update", request_method="POST", renderer=JSON, permission="update_user"
)
def update(request):
    params = Params(request)
    caller = request.caller
    user = get_user(request.db, path_userid(request))
    caller.require("update_user", user)
    changes = {}
    for name, length in (("email", 254), ("name", 255), ("owner_userid", 32)):
        if params.present(name):
            changes[name] = params.optional(name, length) or ""
    if params.present("active"):
        changes["active"] = int(params.bool("active"))
    if not changes:
        raise BadRequest("nothing to change: give email, name, active or owner_userid")
    was_active = user.active
    update_user(request.db, caller, user, changes)
    if was_active and not user.active:
        request.find_service(TokenRevocation).revoke_all(user.id)
    request.find_service(TokenRevocation).forget_cached(user.id)
    audit(
        request, "user.updated", actor=caller.id, subject=user.id, detail=",".join(sorted(changes))
    )
    return request.ok(user_json(user, caller), "user updated")


@view_config(
    route_name="user.set_password", request_method="POST", renderer=JSON, permission="authenticated"
)
def change_password(request):
    params = Params(request)
    caller = request.caller
    user = get_user(request.db, path_userid(request))
    caller.require("set_password", user)
    set_password(
        request.db,
        caller,
        user,
        params.required("password", 1024),
        params.optional("current_password", 1024),
    )
    # Every session opened with the old password ends; a self-service change keeps its own.
    in_use = request.headers.get(TOKEN_HEADER, "").strip() if caller.id == user.id else None
    revoked = request.find_service(TokenRevocation).revoke_all(user.id, keep=in_use or None)
    audit(
        request,
        "user.password_changed",
        actor=caller.id,
        subject=user.id,
        detail=f"{revoked} tokens revoked",
    )
    return request.ok(
        {"default_password": user.default_password, "revoked_tokens": revoked},
        "password changed",
    )


@view_config(
    route_name="api_key.view", request_method="GET", renderer=JSON, permission="authenticated"
)
def api_key_view(request):
    caller = request.caller
    user = get_user(request.db, path_userid(request))
    caller.require("view_api_key", user)
    return request.ok({"userid": user.id, "api_key": user.api_key or ""})


@view_config(
    route_name="api_key.create", request_method="POST", renderer=JSON, permission="authenticated"
)
def api_key_create(request):
    """A new key and secret; the secret is in this answer and never again."""
    caller = request.caller
    user = get_user(request.db, path_userid(request))
    caller.require("manage_api_key", user)
    key, secret = apikeys.generate(request.db, request.registry["scm.secret_box"], user)
    revoked = _revoke_key_tokens(request, user)
    audit(request, "api_key.created", actor=caller.id, subject=user.id, detail=_revoked(revoked))
    request.response.status = 201
    return request.ok(
        {"userid": user.id, "api_key": key, "api_secret": secret, "revoked_tokens": revoked},
        "store the secret now",
    )


def _revoke_key_tokens(request, user) -> int:
    """A user has one API key at a time, so every live token obtained with an API key (OAuth)
    was obtained with the key that is going now (or one that went before it)."""
    return request.find_service(TokenRevocation).revoke_all(user.id, source="oauth")


def _revoked(count: int) -> str:
    return f"{count} tokens obtained with the previous key revoked"


@view_config(
    route_name="api_key.set", request_method="POST", renderer=JSON, permission="set_api_key"
)
def api_key_set(request):
    params = Params(request)
    caller = request.caller
    user = get_user(request.db, path_userid(request))
    apikeys.set_explicit(
        request.db,
        request.registry["scm.secret_box"],
        user,
        params.required("api_key", 128),
        params.required("api_secret", 256),
    )
    revoked = _revoke_key_tokens(request, user)
    audit(request, "api_key.set", actor=caller.id, subject=user.id, detail=_revoked(revoked))
    return request.ok({"userid": user.id, "api_key": user.api_key, "revoked_tokens": revoked})


@view_config(
    route_name="api_key.delete", request_method="POST", renderer=JSON, permission="authenticated"
)
def api_key_delete(request):
    caller = request.caller
    user = get_user(request.db, path_userid(request))
    caller.require("manage_api_key", user)
    apikeys.remove(request.db, user)
    revoked = _revoke_key_tokens(request, user)
    audit(request, "api_key.deleted", actor=caller.id, subject=user.id, detail=_revoked(revoked))
    return request.ok({"userid": user.id, "api_key": "", "revoked_tokens": revoked})
