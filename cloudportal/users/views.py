"""Manage My Users (account owners): the managed users; create one (name, email, initial
password), activate/deactivate, reset a password, each user's system accounts and login nodes."""

from __future__ import annotations

import uuid

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.admin.listing import users_page
from cloudportal.clients.cloudauth import ICloudAuth
from cloudportal.clients.controller import IControllers
from cloudportal.errors import BackendError
from cloudportal.forms import EMAIL, Form
from cloudportal.nodes.model import STATUS_LABELS
from cloudportal.passwords import check_new_password
from common.errors import NotFound
from common.params import path_uuid

# The one role the portal grants (issue 11 "The demo": the newcomer creates an account owner in
# the browser); the other roles are Cloud Auth's API business (superuser mode is issue 12).
OWNER_ROLE = "account_owner"
ROLE_CHOICES = {"": "No role (an ordinary user)", OWNER_ROLE: "Account owner"}
# The superuser's list (every user: thousands) is searched, sorted and paged by Cloud Auth.
SUPERUSER_SORTS = {"email": "Email", "name": "Name", "active": "Status"}


def _managed(request) -> list[dict]:
    """An owner's managed users (the superuser's list is paged: ``_every_user``)."""
    me = request.identity
    users = request.find_service(ICloudAuth).managed_users(me.userid)
    return sorted(users, key=lambda u: u.get("email", ""))


def _every_user(request) -> dict:
    """One page of every user, for the superuser (the users the superuser creates have no
    owner and would otherwise never be seen again): only the rows the page shows are asked."""
    query, page = users_page(request, SUPERUSER_SORTS)
    return {"users": page.rows, "query": query, "total": page.total, "columns": SUPERUSER_SORTS}


def _page(request, form=None, status=200):
    superuser = request.identity.is_superuser
    listing = (
        _every_user(request)
        if superuser
        else {"users": _managed(request), "query": None, "total": None, "columns": None}
    )
    if superuser and listing["query"].problem and status == 200:
        status = 400
    request.response.status = status
    return {
        **listing,
        "form": form or Form(request, ("name", "email", "role")),
        "role_choices": ROLE_CHOICES if superuser else None,
    }


def _to_list(request, email: str) -> HTTPFound:
    """Back to the list; the superuser's (paged) list searched for the new user, so it shows."""
    if request.identity.is_superuser:
        return HTTPFound(request.route_url("users", _query={"q": email[:64]}))
    return HTTPFound(request.route_url("users"))


def _set_owner_role(request, userid: str, member: bool) -> None:
    cloudauth = request.find_service(ICloudAuth)
    role_id = cloudauth.role_id(OWNER_ROLE)
    if role_id is None:
        raise BackendError("Cloud Auth", 404, f"Cloud Auth has no {OWNER_ROLE} role")
    cloudauth.set_role_member(role_id, userid, member)


def _target(request) -> dict:
    """A managed user of the signed-in owner (any user for the superuser), or 404: another
    owner's user included."""
    userid = uuid.UUID(path_uuid(request, "user", "user")).hex
    if request.identity.is_superuser:
        try:
            return request.find_service(ICloudAuth).user(userid)
        except BackendError as exc:
            if exc.status == 404:
                raise NotFound(f"no user {userid}") from None
            raise
    user = next((u for u in _managed(request) if u["id"] == userid), None)
    if user is None:
        raise NotFound(f"no user {userid}")
    return user


@view_config(
    route_name="users", request_method="GET", renderer="users/list.mako", permission="owner"
)
def list_users(request):
    return _page(request)


@view_config(
    route_name="users", request_method="POST", renderer="users/list.mako", permission="owner"
)
def create_user(request):
    form = Form(request, ("name", "email", "role"), secret=("password",))
    form.require("email", "password")
    # Only the superuser is offered the choice; an owner's posted role is ignored, not obeyed.
    role = form["role"] if request.identity.is_superuser else ""
    if role not in ROLE_CHOICES:
        form.error("role", "Choose no role or account owner.")
    if form["email"] and not EMAIL.match(form["email"]):
        form.error("email", "Enter an email address like name@example.com.")
    if form.secret("password") and len(form.secret("password")) < 8:
        form.error("password", "Use at least 8 characters.")
    if form.ok:
        try:
            user = request.find_service(ICloudAuth).create_user(
                form["email"], form["name"], form.secret("password")
            )
        except BackendError as exc:
            form.refused(exc, "email" if "email" in exc.message else None)
        else:
            return _created(request, user, form["email"], role)
    return _page(request, form, 400)


def _created(request, user: dict, email: str, role: str):
    if not role:
        request.session.flash(f"User {email} created.")
        return _to_list(request, email)
    try:
        _set_owner_role(request, user["id"], True)
    except BackendError as exc:
        # The user exists: say so, and send to their page where the role can be granted again.
        request.session.flash(
            f"User {email} created, but not made an account owner: {exc.message}", "error"
        )
        return HTTPFound(request.route_url("users.item", user=user["id"]))
    request.session.flash(f"User {email} created as an account owner.")
    return _to_list(request, email)


@view_config(route_name="users.role", request_method="POST", permission="superuser")
def set_role(request):
    user = _target(request)
    member = request.POST.get("account_owner") == "1"
    try:
        _set_owner_role(request, user["id"], member)
    except BackendError as exc:
        request.session.flash(f"Not changed: {exc.message}", "error")
    else:
        state = "an account owner" if member else "an ordinary user (no longer an account owner)"
        request.session.flash(f"{user.get('email')} is now {state}.")
    return HTTPFound(request.route_url("users.item", user=user["id"]))


@view_config(route_name="users.item", renderer="users/item.mako", permission="owner")
def show_user(request):
    user = _target(request)

    def nodes_of(client):
        return [i for i in client.instances() if i.get("cloudauth-id") == user["id"]]

    outcomes = request.find_service(IControllers).each(nodes_of)
    return {
        "user": user,
        "outcomes": outcomes,
        "labels": STATUS_LABELS,
        "password": Form(request, ()),
    }


@view_config(route_name="users.active", request_method="POST", permission="owner")
def set_active(request):
    user = _target(request)
    active = request.POST.get("active") == "1"
    try:
        request.find_service(ICloudAuth).update_user(user["id"], active="1" if active else "0")
    except BackendError as exc:
        request.session.flash(f"Not changed: {exc.message}", "error")
    else:
        state = "activated" if active else "deactivated (signed out everywhere)"
        request.session.flash(f"{user.get('email')} is {state}.")
    return HTTPFound(request.route_url("users.item", user=user["id"]))


@view_config(
    route_name="users.password",
    request_method="POST",
    renderer="users/item.mako",
    permission="owner",
)
def reset_password(request):
    user = _target(request)
    form = Form(request, (), secret=("password", "confirm"))
    form.require("password", "confirm")
    check_new_password(form, "password", "confirm")
    if form.ok:
        try:
            request.find_service(ICloudAuth).set_password(user["id"], form.secret("password"))
        except BackendError as exc:
            form.refused(exc, "password")
        else:
            request.session.flash(f"The password of {user.get('email')} is reset.")
            return HTTPFound(request.route_url("users.item", user=user["id"]))
    request.response.status = 400
    outcomes = request.find_service(IControllers).each(
        lambda c: [i for i in c.instances() if i.get("cloudauth-id") == user["id"]]
    )
    return {"user": user, "outcomes": outcomes, "labels": STATUS_LABELS, "password": form}
