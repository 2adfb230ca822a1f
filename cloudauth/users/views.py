"""``/user/*`` and ``/api_key/*``: parse, check who may act on whom, call the services."""

from __future__ import annotations

import uuid

from pyramid.view import view_config, view_defaults

from cloudauth.users.apikeys import ApiKeyService
from cloudauth.users.models import User
from cloudauth.users.services import UserQuery, UserService, user_json
from common.errors import BadRequest
from common.params import Params, path_uuid
from common.security import TOKEN_HEADER


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


class _UserViews:
    def __init__(self, request):
        self.request = request
        self.users: UserService = request.find_service(UserService)

    def _path_user(self, permission: str | None = None) -> User:
        """The user in the path; with ``permission``, one the caller may act on that way."""
        caller = self.request.caller  # an unknown or deactivated caller is a 401 before all else
        user = self.users.get_user(path_userid(self.request))
        if permission is not None:
            caller.require(permission, user)
        return user


@view_defaults(renderer="scm_json")
class UserViews(_UserViews):
    @view_config(route_name="user.list", request_method="GET", permission="view_user")
    def list_view(self):
        params = Params(self.request)
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
        caller = self.request.caller
        total, users = self.users.list_users(caller, query)
        counts = self.users.owned_counts([u.id for u in users]) if caller.is_superuser else {}
        return self.request.ok(
            {"total": total, "users": [user_json(u, caller, counts.get(u.id)) for u in users]}
        )

    @view_config(route_name="user.view", request_method="GET", permission="authenticated")
    def view(self):
        caller = self.request.caller
        user = self._path_user("view_user")
        counts = self.users.owned_counts([user.id]) if caller.is_superuser else {}
        return self.request.ok(user_json(user, caller, counts.get(user.id)))

    @view_config(route_name="user.create", request_method="POST", permission="create_user")
    def create(self):
        request = self.request
        params = Params(request)
        caller = request.caller
        source = params.optional("registration_source", 32) or "api"
        with_default_role = params.bool("apply_default_role")
        user = self.users.create_user(
            caller,
            email=params.required("email", 254),
            name=params.optional("name", 255) or "",
            password=params.optional("password", 1024),
            owner_userid=params.optional("owner_userid", 32),
            registration_source=source,
            with_default_role=with_default_role,
            active=int(params.bool("active")) if params.present("active") else None,
        )
        request.response.status = 201
        return request.ok(user_json(user, caller), "user created")

    @view_config(route_name="user.update", request_method="POST", permission="update_user")
    def update(self):
        params = Params(self.request)
        caller = self.request.caller
        user = self._path_user("update_user")
        changes = {}
        for name, length in (("email", 254), ("name", 255), ("owner_userid", 32)):
            if params.present(name):
                changes[name] = params.optional(name, length) or ""
        if params.present("active"):
            changes["active"] = int(params.bool("active"))
        if not changes:
            raise BadRequest("nothing to change: give email, name, active or owner_userid")
        self.users.update_user(caller, user, changes)
        return self.request.ok(user_json(user, caller), "user updated")

    @view_config(route_name="user.set_password", request_method="POST", permission="authenticated")
    def change_password(self):
        request = self.request
        params = Params(request)
        caller = request.caller
        user = self._path_user("set_password")
        # Every session opened with the old password ends; a self-service change keeps its own.
        in_use = request.headers.get(TOKEN_HEADER, "").strip() if caller.id == user.id else None
        revoked = self.users.set_password(
            caller,
            user,
            params.required("password", 1024),
            params.optional("current_password", 1024),
            keep_token=in_use or None,
        )
        return request.ok(
            {"default_password": user.default_password, "revoked_tokens": revoked},
            "password changed",
        )


@view_defaults(renderer="scm_json", permission="authenticated")
class ApiKeyViews(_UserViews):
    @property
    def keys(self) -> ApiKeyService:
        return self.request.find_service(ApiKeyService)

    @view_config(route_name="api_key.view", request_method="GET")
    def api_key_view(self):
        user = self._path_user("view_api_key")
        return self.request.ok({"userid": user.id, "api_key": user.api_key or ""})

    @view_config(route_name="api_key.create", request_method="POST")
    def api_key_create(self):
        """A new key and secret; the secret is in this answer and never again."""
        user = self._path_user("manage_api_key")
        key, secret, revoked = self.keys.create_key(self.request.caller.id, user)
        self.request.response.status = 201
        return self.request.ok(
            {"userid": user.id, "api_key": key, "api_secret": secret, "revoked_tokens": revoked},
            "store the secret now",
        )

    @view_config(route_name="api_key.set", request_method="POST", permission="set_api_key")
    def api_key_set(self):
        params = Params(self.request)
        user = self._path_user()
        revoked = self.keys.set_key(
            self.request.caller.id,
            user,
            params.required("api_key", 128),
            params.required("api_secret", 256),
        )
        return self.request.ok(
            {"userid": user.id, "api_key": user.api_key, "revoked_tokens": revoked}
        )

    @view_config(route_name="api_key.delete", request_method="POST")
    def api_key_delete(self):
        user = self._path_user("manage_api_key")
        revoked = self.keys.delete_key(self.request.caller.id, user)
        return self.request.ok({"userid": user.id, "api_key": "", "revoked_tokens": revoked})
