"""Administration > Users: every user, searched, sorted and paged by Cloud Auth; one user's
page with activate/deactivate, roles, a new password, an API key, and "view as"."""

from __future__ import annotations

import re
import uuid

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.admin.listing import users_page
from cloudportal.clients.cloudauth_admin import ICloudAuthAdmin
from cloudportal.errors import BackendError
from cloudportal.forms import Form
from cloudportal.passwords import check_new_password
from common.params import path_uuid

# Column heading -> Cloud Auth's sort name.
USER_SORTS = {
    "email": "Email",
    "name": "Name",
    "active": "Status",
    "registration_source": "Registered by",
}
ROLE_WORDS = {
    "superuser": "Superuser: sees and manages everything",
    "account_owner": "Account owner: creates and manages their own users",
    "cloudcontroller_admin": "Cloud controller service account",
    "cloudaccountant_admin": "Cloud accountant service account",
}
API_KEY = re.compile(r"^[A-Za-z0-9_.-]{8,128}$")  # Cloud Auth's own rule (users/apikeys.py)


def target_userid(request) -> str:
    return uuid.UUID(path_uuid(request, "user", "user")).hex


@view_config(route_name="admin.users", renderer="admin/users.mako", permission="superuser")
def list_users(request):
    query, page = users_page(request, USER_SORTS)
    if query.problem:
        request.response.status = 400
    return {"query": query, "page": page, "columns": USER_SORTS}


def _user_page(request, userid: str, password=None, api_key=None, status=200):
    admin = request.find_service(ICloudAuthAdmin)
    request.response.status = status
    return {
        "user": admin.user(userid),
        "roles": admin.roles(),
        "role_words": ROLE_WORDS,
        "password": password or Form(request, ()),
        "api_key": api_key or Form(request, ("api_key",)),
    }


@view_config(
    route_name="admin.user",
    request_method="GET",
    renderer="admin/user.mako",
    permission="superuser",
)
def show_user(request):
    return _user_page(request, target_userid(request))


def _back(request, userid: str) -> HTTPFound:
    return HTTPFound(request.route_url("admin.user", user=userid))


@view_config(route_name="admin.user_active", request_method="POST", permission="superuser")
def set_active(request):
    userid = target_userid(request)
    active = request.POST.get("active") == "1"
    try:
        user = request.find_service(ICloudAuthAdmin).set_active(userid, active)
    except BackendError as exc:
        if exc.status == 404:
            raise
        request.session.flash(f"Not changed: {exc.message}", "error")
    else:
        state = "activated" if active else "deactivated and signed out everywhere"
        request.session.flash(f"{user.get('email')} is {state}.")
    return _back(request, userid)


@view_config(route_name="admin.user_roles", request_method="POST", permission="superuser")
def set_roles(request):
    userid = target_userid(request)
    admin = request.find_service(ICloudAuthAdmin)
    user = admin.user(userid)
    roles = {r["name"]: r["id"] for r in admin.roles()}
    wanted = set(request.POST.getall("role"))
    if not wanted <= set(roles):
        request.session.flash("Choose roles from the list.", "error")
        return _back(request, userid)
    have = set(user.get("roles") or [])
    if userid == request.identity.userid and "superuser" in have - wanted:
        # the page would lock its own user out of it; another superuser can do it
        request.session.flash("You cannot remove your own superuser role.", "error")
        return _back(request, userid)
    changed = []
    try:
        for name in sorted(wanted - have):
            admin.set_role_member(roles[name], userid, True)
            changed.append(f"+{name}")
        for name in sorted(have - wanted):
            admin.set_role_member(roles[name], userid, False)
            changed.append(f"-{name}")
    except BackendError as exc:
        request.session.flash(f"Roles not all changed: {exc.message}", "error")
        return _back(request, userid)
    if changed:
        request.session.flash(f"Roles of {user.get('email')} changed ({', '.join(changed)}).")
    else:
        request.session.flash("The roles were already so; nothing changed.", "info")
    return _back(request, userid)


@view_config(
    route_name="admin.user_password",
    request_method="POST",
    renderer="admin/user.mako",
    permission="superuser",
)
def set_password(request):
    userid = target_userid(request)
    form = Form(request, (), secret=("password", "confirm"))
    form.require("password", "confirm")
    check_new_password(form, "password", "confirm")
    if form.ok:
        try:
            answer = request.find_service(ICloudAuthAdmin).set_password(
                userid, form.secret("password")
            )
        except BackendError as exc:
            if exc.status == 404:
                raise
            form.refused(exc, "password")
        else:
            count = answer.get("revoked_tokens", 0)
            request.session.flash(f"Password set; {count} sessions of the user were ended.")
            return _back(request, userid)
    return _user_page(request, userid, password=form, status=400)


@view_config(
    route_name="admin.user_api_key",
    request_method="POST",
    renderer="admin/user.mako",
    permission="superuser",
)
def set_api_key(request):
    userid = target_userid(request)
    form = Form(request, ("api_key",), secret=("api_secret",))
    form.require("api_key", "api_secret")
    if form["api_key"] and not API_KEY.match(form["api_key"]):
        form.error("api_key", "Use 8 to 128 letters, digits, '.', '-' or '_'.")
    secret = form.secret("api_secret")
    if secret and not (16 <= len(secret) <= 256 and secret.isascii() and secret.isprintable()):
        form.error("api_secret", "Use 16 to 256 printable ASCII characters.")
    if form.ok:
        try:
            request.find_service(ICloudAuthAdmin).set_api_key(
                userid, form["api_key"], form.secret("api_secret")
            )
        except BackendError as exc:
            if exc.status == 404:
                raise
            form.refused(exc, "api_key")
        else:
            request.session.flash(
                "API key set. Tokens obtained with the user's previous key are revoked."
            )
            return _back(request, userid)
    return _user_page(request, userid, api_key=form, status=400)
