"""Manage My Users (account owners): the managed users; create one (name, email, initial
password), activate/deactivate, reset a password, each user's system accounts and login nodes."""

from __future__ import annotations

import uuid

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.clients.cloudauth import ICloudAuth
from cloudportal.clients.controller import IControllers
from cloudportal.errors import BackendError
from cloudportal.forms import EMAIL, Form
from cloudportal.nodes.model import STATUS_LABELS
from cloudportal.passwords import check_new_password
from common.errors import NotFound
from common.params import path_uuid


def _managed(request) -> list[dict]:
    users = request.find_service(ICloudAuth).managed_users(request.identity.userid)
    return sorted(users, key=lambda u: u.get("email", ""))


def _page(request, form=None, status=200):
    request.response.status = status
    return {"users": _managed(request), "form": form or Form(request, ("name", "email"))}


def _target(request) -> dict:
    """A managed user of the signed-in owner, or 404 (another owner's user included)."""
    userid = uuid.UUID(path_uuid(request, "user", "user")).hex
    user = next((u for u in _managed(request) if u["id"] == userid), None)
    if user is None and not request.identity.is_superuser:
        raise NotFound(f"no user {userid}")
    return user or request.find_service(ICloudAuth).user(userid)


@view_config(
    route_name="users", request_method="GET", renderer="users/list.mako", permission="owner"
)
def list_users(request):
    return _page(request)


@view_config(
    route_name="users", request_method="POST", renderer="users/list.mako", permission="owner"
)
def create_user(request):
    form = Form(request, ("name", "email"), secret=("password",))
    form.require("email", "password")
    if form["email"] and not EMAIL.match(form["email"]):
        form.error("email", "Enter an email address like name@example.com.")
    if form.secret("password") and len(form.secret("password")) < 8:
        form.error("password", "Use at least 8 characters.")
    if form.ok:
        try:
            request.find_service(ICloudAuth).create_user(
                form["email"], form["name"], form.secret("password")
            )
        except BackendError as exc:
            form.refused(exc, "email" if "email" in exc.message else None)
        else:
            request.session.flash(f"User {form['email']} created.")
            return HTTPFound(request.route_url("users"))
    return _page(request, form, 400)


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
