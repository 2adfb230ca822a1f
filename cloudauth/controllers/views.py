"""``/cloud_controller/*`` and ``/system_account/*``."""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from cloudauth.audit.services import audit
from cloudauth.controllers import services
from cloudauth.controllers.models import CloudController, SystemAccount
from cloudauth.tokenstore.services import TokenRevocation
from cloudauth.users.models import User
from cloudauth.users.services import get_user
from common.params import Params, path_int

JSON = "scm_json"


@view_config(
    route_name="cloud_controller.list",
    request_method="GET",
    renderer=JSON,
    permission="authenticated",
)
def list_controllers(request):
    ccs = list(request.db.scalars(select(CloudController).order_by(CloudController.id)))
    return request.ok(
        {"cloud_controllers": [services.controller_json(c) for c in ccs], "total": len(ccs)}
    )


@view_config(
    route_name="cloud_controller.view",
    request_method="GET",
    renderer=JSON,
    permission="authenticated",
)
def view_controller(request):
    return request.ok(
        services.controller_json(
            services.get_controller(request.db, path_int(request, "cc_id", "cloud controller"))
        )
    )


@view_config(
    route_name="cloud_controller.create",
    request_method="POST",
    renderer=JSON,
    permission="manage_cloud_controller",
)
def create_controller(request):
    params = Params(request)
    cc_id = params.int("id", 0, minimum=0, maximum=100000) or None
    cc = services.create_controller(
        request.db, params.required("name", 255), params.optional("description", 1024) or "", cc_id
    )
    audit(request, "cloud_controller.created", actor=request.caller.id, detail=f"{cc.id}:{cc.name}")
    request.response.status = 201
    return request.ok(services.controller_json(cc))


@view_config(
    route_name="cloud_controller.update",
    request_method="POST",
    renderer=JSON,
    permission="manage_cloud_controller",
)
def update_controller(request):
    params = Params(request)
    cc = services.get_controller(request.db, path_int(request, "cc_id", "cloud controller"))
    services.update_controller(
        request.db,
        cc,
        params.required("name", 255) if params.present("name") else None,
        params.optional("description", 1024) or "" if params.present("description") else None,
    )
    audit(request, "cloud_controller.updated", actor=request.caller.id, detail=str(cc.id))
    return request.ok(services.controller_json(cc))


@view_config(
    route_name="system_account.list",
    request_method="GET",
    renderer=JSON,
    permission="view_system_account",
)
def list_accounts(request):
    params = Params(request)
    caller = request.caller
    stmt = select(SystemAccount).join(User, User.id == SystemAccount.user_id)
    userid = params.optional("user_id", 32)
    if userid:
        caller.require("view_system_account", get_user(request.db, userid))
        stmt = stmt.where(SystemAccount.user_id == userid)
    elif not caller.sees_all("view_system_account"):
        stmt = stmt.where((User.owner_userid == caller.id) | (User.id == caller.id))
    if params.present("cloud_controller_id"):
        stmt = stmt.where(
            SystemAccount.cloud_controller_id == params.int("cloud_controller_id", minimum=1)
        )
    if params.present("username"):
        stmt = stmt.where(SystemAccount.username == params.required("username", 64))
    accounts = list(request.db.scalars(stmt.order_by(SystemAccount.id)))
    rows = [dict(a.to_json(), user_id=a.user_id) for a in accounts]
    return request.ok({"system_accounts": rows, "total": len(rows)})


@view_config(
    route_name="system_account.create",
    request_method="POST",
    renderer=JSON,
    permission="manage_system_account",
)
def create_account(request):
    params = Params(request)
    caller = request.caller
    user = get_user(request.db, params.required("user_id", 32))
    caller.require("manage_system_account", user)
    account = services.create_account(
        request.db,
        user.id,
        params.required("username", 64).strip(),
        params.required("uuid", 64).strip(),
        params.int("cloud_controller_id", minimum=1),
    )
    request.find_service(TokenRevocation).forget_cached(user.id)
    audit(
        request, "system_account.created", actor=caller.id, subject=user.id, detail=account.username
    )
    request.response.status = 201
    return request.ok(dict(account.to_json(), user_id=user.id))


@view_config(
    route_name="system_account.delete",
    request_method="POST",
    renderer=JSON,
    permission="manage_system_account",
)
def delete_account(request):
    caller = request.caller
    account = services.get_account(request.db, path_int(request, "account_id", "system account"))
    user = get_user(request.db, account.user_id)
    caller.require("manage_system_account", user)
    request.db.delete(account)
    request.db.flush()
    request.find_service(TokenRevocation).forget_cached(user.id)
    audit(
        request, "system_account.deleted", actor=caller.id, subject=user.id, detail=account.username
    )
    return request.ok({"id": account.id})
