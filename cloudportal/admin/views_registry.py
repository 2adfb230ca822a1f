"""Administration > Cloud Controllers (Cloud Auth's registry: list, create, rename) and
Administration > Audit Log (who, what, when; paged)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.clients.cloudauth_admin import ICloudAuthAdmin
from cloudportal.errors import BackendError
from cloudportal.forms import EMAIL, Form
from common.params import path_int

AUDIT_PER_PAGE = 50
# The families of events the filter offers (Cloud Auth matches the prefix).
EVENT_FAMILIES = {
    "": "Any event",
    "login.": "Logins",
    "token.": "Tokens",
    "user.": "User changes",
    "role.": "Role changes",
    "api_key.": "API keys",
    "cloud_controller.": "Cloud controllers",
    "system_account.": "System accounts",
    "masquerade.": "Masquerade (view as)",
}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _controllers_page(request, form=None, edit=None, status=200):
    request.response.status = status
    return {
        "controllers": request.find_service(ICloudAuthAdmin).controllers(),
        "form": form or Form(request, ("id", "name", "description")),
        "edit": edit,
        "configured": {cc.id for cc in request.registry["scm.settings"].controllers},
    }


@view_config(
    route_name="admin.controllers",
    request_method="GET",
    renderer="admin/controllers.mako",
    permission="superuser",
)
def controllers(request):
    return _controllers_page(request)


def _check_controller_form(form: Form, with_id: bool) -> None:
    form.require("name")
    if len(form["name"]) > 255:
        form.error("name", "Use at most 255 characters.")
    if len(form["description"]) > 1024:
        form.error("description", "Use at most 1024 characters.")
    if with_id and form["id"] and not (form["id"].isdigit() and 1 <= int(form["id"]) <= 100000):
        form.error("id", "Leave it empty, or give a whole number from 1 to 100000.")


@view_config(
    route_name="admin.controllers",
    request_method="POST",
    renderer="admin/controllers.mako",
    permission="superuser",
)
def create_controller(request):
    form = Form(request, ("id", "name", "description"))
    _check_controller_form(form, with_id=True)
    if form.ok:
        fields = {"name": form["name"], "description": form["description"]}
        if form["id"]:
            fields["id"] = form["id"]
        try:
            cc = request.find_service(ICloudAuthAdmin).create_controller(fields)
        except BackendError as exc:
            form.refused(exc, "id" if "id" in exc.message and "taken" in exc.message else "name")
        else:
            request.session.flash(
                f"Cloud controller {cc['id']} ({cc['name']}) registered. Its portal block is "
                f"cloudcon.{cc['id']}.* in cloudportal.ini."
            )
            return HTTPFound(request.route_url("admin.controllers"))
    return _controllers_page(request, form=form, status=400)


@view_config(
    route_name="admin.controller",
    request_method="POST",
    renderer="admin/controllers.mako",
    permission="superuser",
)
def update_controller(request):
    cc_id = path_int(request, "cc_id", "cloud controller")
    form = Form(request, ("name", "description"))
    _check_controller_form(form, with_id=False)
    if form.ok:
        try:
            request.find_service(ICloudAuthAdmin).update_controller(
                cc_id, {"name": form["name"], "description": form["description"]}
            )
        except BackendError as exc:
            if exc.status == 404:
                raise
            form.refused(exc, "name")
        else:
            request.session.flash(f"Cloud controller {cc_id} saved.")
            return HTTPFound(request.route_url("admin.controllers"))
    return _controllers_page(request, edit=(cc_id, form), status=400)


def _audit_filters(request, form: Form) -> dict:
    """The audit list's parameters from the filter form; problems become the form's errors."""
    params = {}
    who = form["who"]
    if who:
        try:
            params["userid"] = uuid.UUID(who).hex
        except ValueError:
            if not EMAIL.match(who):
                form.error("who", "Give an email address or a user id.")
            else:
                params["email"] = who  # resolved to an id by the view
    if form["what"] not in EVENT_FAMILIES:
        form.error("what", "Choose one of the listed kinds of event.")
    elif form["what"]:
        params["event_prefix"] = form["what"]
    days = {}
    for name in ("since", "until"):
        value = form[name]
        if not value:
            continue
        try:
            if not DATE.match(value):
                raise ValueError
            days[name] = dt.date.fromisoformat(value)
        except ValueError:
            form.error(name, "Give a date as YYYY-MM-DD.")
        else:
            params[name] = value
    if len(days) == 2 and days["until"] < days["since"]:
        form.error("until", "The end is before the start.")
    if form["masquerade"] == "1":
        params["masquerade"] = "true"
    return params


@view_config(route_name="admin.audit", renderer="admin/audit.mako", permission="superuser")
def audit_log(request):
    # A GET form: its fields come from the query string (no CSRF: it changes nothing).
    form = Form(request, ())
    for name in ("who", "what", "since", "until", "masquerade"):
        value = request.GET.get(name, "")
        form.values[name] = value.strip() if isinstance(value, str) and len(value) < 300 else ""
    raw_page = request.GET.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and len(raw_page) <= 6 and int(raw_page) else 0
    if page < 1:
        form.error("page", "The page is a whole number from 1.")
        page = 1
    params = _audit_filters(request, form)
    admin = request.find_service(ICloudAuthAdmin)
    events, total, names = [], 0, {}
    if form.ok:
        email = params.pop("email", None)
        if email:
            match = admin.user_by_email(email)
            if match is None:
                form.error("who", f"No user has the address {email}.")
            else:
                params["userid"] = match["id"]
    if form.ok:
        params.update(offset=str((page - 1) * AUDIT_PER_PAGE), limit=str(AUDIT_PER_PAGE))
        result = admin.audit(params)
        events, total = result.rows, result.total
        ids = {
            e[k] for e in events for k in ("actor_userid", "subject_userid", "masquerader_userid")
        }
        names = admin.emails([i for i in ids if i])
    else:
        request.response.status = 400
    return {
        "form": form,
        "events": events,
        "total": total,
        "page": page,
        "pages": max(1, (total + AUDIT_PER_PAGE - 1) // AUDIT_PER_PAGE),
        "names": names,
        "families": EVENT_FAMILIES,
        "query": {k: v for k, v in form.values.items() if v},
    }
