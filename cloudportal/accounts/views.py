"""Manage My Accounts & Groups: per controller, the user's system account (create it), the
$HOME volume (``scm.storage_mgmt``), SSH public keys (``scm.ssh_key_mgmt``), and UNIX groups
with members from the owner's domain."""

from __future__ import annotations

import hashlib

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.clients.controller import IControllers
from cloudportal.errors import BackendError
from cloudportal.forms import Form
from cloudportal.nodes.views import controller_of, directory
from common.errors import NotFound
from common.params import is_openstack_id

MAX_KEY_LENGTH = 16384
# A UNIX group belongs to its creator's system account on that controller.
GROUP_HINT = (
    "To create a UNIX group on %s, first create your system account there (above): a group "
    "is made of system accounts, starting with yours."
)


def key_id(line: str) -> str:
    """A key's handle in forms: its digest (the key text itself never goes into a URL)."""
    return hashlib.sha256(line.encode()).hexdigest()[:32]


def key_label(line: str) -> tuple[str, str]:
    parts = line.split()
    kind = parts[0] if parts else ""
    comment = " ".join(parts[2:]) if len(parts) > 2 else ""
    return kind, comment


def _gather(request):
    settings = request.registry["scm.settings"]
    me = request.identity.userid
    calls = {"users": lambda c: c.system_users(), "groups": lambda c: c.groups()}
    if settings.storage_mgmt:
        calls["volumes"] = lambda c: c.volumes(me)
    outcomes = request.find_service(IControllers).gather(calls)
    emails, _ = directory(request)
    for outcome in outcomes:
        if outcome.ok:
            users = outcome.value["users"]
            outcome.account = next((u for u in users if u.get("cloudauth-id") == me), None)
            outcome.names = {u["user-id"]: u.get("system-name", "") for u in users}
            outcome.members = sorted(users, key=lambda u: u.get("system-name", ""))
    return outcomes, emails


def _page(request, forms=None, status=200):
    outcomes, emails = _gather(request)
    request.response.status = status
    return {
        "outcomes": outcomes,
        "emails": emails,
        "forms": forms or {},
        "key_id": key_id,
        "key_label": key_label,
        "group_hint": GROUP_HINT,
    }


def _back(request, client):
    return HTTPFound(request.route_url("accounts", _anchor=f"cc-{client.id}"))


@view_config(route_name="accounts", renderer="accounts/accounts.mako", permission="portal")
def accounts(request):
    return _page(request)


@view_config(
    route_name="accounts.system_account",
    request_method="POST",
    renderer="accounts/accounts.mako",
    permission="portal",
)
def create_system_account(request):
    client = controller_of(request)
    form = Form(request, ("system_name",))
    form.require("system_name")
    if form.ok:
        try:
            client.create_system_user(form["system_name"])
        except BackendError as exc:
            form.refused(exc, "system_name")
        else:
            request.session.flash(f"System account {form['system_name']} created on {client.name}.")
            return _back(request, client)
    return _page(request, {(client.id, "system"): form}, 400)


def _my_account(request, client) -> dict:
    me = request.identity.userid
    account = next((u for u in client.system_users() if u.get("cloudauth-id") == me), None)
    if account is None:
        raise NotFound(f"you have no system account on {client.name}")
    return account


@view_config(route_name="accounts.home", request_method="POST", permission="portal")
def create_home(request):
    client = controller_of(request)
    if not request.registry["scm.settings"].storage_mgmt:
        raise NotFound("storage is not managed here")
    try:
        client.create_volume(_my_account(request, client)["user-id"])
    except BackendError as exc:
        request.session.flash(f"$HOME not created: {exc.message}", "error")
    else:
        request.session.flash(f"Your $HOME volume on {client.name} is created.")
    return _back(request, client)


@view_config(
    route_name="accounts.key_add",
    request_method="POST",
    renderer="accounts/accounts.mako",
    permission="portal",
)
def add_key(request):
    client = controller_of(request)
    if not request.registry["scm.settings"].ssh_key_mgmt:
        raise NotFound("SSH keys are not managed here")
    form = Form(request, ("key",))
    form.require("key")
    line = " ".join(form["key"].split())  # one line, however it was pasted
    if len(line) > MAX_KEY_LENGTH:
        form.error("key", "This key is too long.")
    if form.ok:
        account = _my_account(request, client)
        keys = list(account.get("ssh-public-keys", []))
        if line in keys:
            form.error("key", "This key is already there.")
        else:
            try:
                client.set_ssh_keys(account["user-id"], [*keys, line])
            except BackendError as exc:
                form.refused(exc, "key")  # the controller's validation message
            else:
                request.session.flash(f"SSH key added on {client.name}.")
                return _back(request, client)
    return _page(request, {(client.id, "key"): form}, 400)


@view_config(route_name="accounts.key_remove", request_method="POST", permission="portal")
def remove_key(request):
    client = controller_of(request)
    account = _my_account(request, client)
    wanted = request.POST.get("key_id", "")
    keys = list(account.get("ssh-public-keys", []))
    kept = [k for k in keys if key_id(k) != wanted]
    if len(kept) == len(keys):
        raise NotFound("no such SSH key")
    try:
        client.set_ssh_keys(account["user-id"], kept)
    except BackendError as exc:
        request.session.flash(f"Key not removed: {exc.message}", "error")
    else:
        request.session.flash(f"SSH key removed on {client.name}.")
    return _back(request, client)


def _group_id(request) -> str:
    group = request.matchdict.get("group", "")
    if not is_openstack_id(group) or len(group) > 32:
        raise NotFound("no such group")
    return group


def _visible_group(client, group_id: str) -> dict:
    group = next((g for g in client.groups() if g.get("group-id") == group_id), None)
    if group is None:
        raise NotFound("no such group")
    return group


@view_config(
    route_name="accounts.group_create",
    request_method="POST",
    renderer="accounts/accounts.mako",
    permission="portal",
)
def create_group(request):
    client = controller_of(request)
    form = Form(request, ("group_name",))
    form.require("group_name")
    account = next(
        (u for u in client.system_users() if u.get("cloudauth-id") == request.identity.userid),
        None,
    )
    if account is None:
        # A group belongs to its creator's system account: none here, nothing to create.
        form.message = GROUP_HINT % client.name
    if form.ok:
        try:
            client.create_group(form["group_name"], [account["user-id"]])
        except BackendError as exc:
            form.refused(exc, "group_name")
        else:
            request.session.flash(f"Group {form['group_name']} created on {client.name}.")
            return _back(request, client)
    return _page(request, {(client.id, "group"): form}, 400)


@view_config(route_name="accounts.group_members", request_method="POST", permission="portal")
def change_members(request):
    client = controller_of(request)
    group = _visible_group(client, _group_id(request))
    action = request.POST.get("action", "")
    member = request.POST.get("member", "")
    visible = {u["user-id"] for u in client.system_users()}
    if action not in ("add", "remove") or member not in visible:
        # Only accounts the caller sees (their own and their managed users'): another
        # domain's user ids are refused here, whatever the form says.
        request.session.flash("Choose one of your users to add or remove.", "error")
        return _back(request, client)
    members = list(group.get("group-members", []))
    if action == "add" and member not in members:
        members.append(member)
    elif action == "remove":
        members = [m for m in members if m != member]
    try:
        client.set_group_members(group["group-id"], members)
    except BackendError as exc:
        request.session.flash(f"Group not changed: {exc.message}", "error")
    else:
        request.session.flash(f"Members of {group.get('group-name')} changed.")
    return _back(request, client)


@view_config(route_name="accounts.group_delete", request_method="POST", permission="portal")
def delete_group(request):
    client = controller_of(request)
    group = _visible_group(client, _group_id(request))
    try:
        client.delete_group(group["group-id"])
    except BackendError as exc:
        request.session.flash(f"Group not deleted: {exc.message}", "error")
    else:
        request.session.flash(f"Group {group.get('group-name')} deleted.")
    return _back(request, client)
