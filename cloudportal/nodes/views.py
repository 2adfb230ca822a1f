"""My Login Nodes: the list per controller, create, power, delete (with a confirmation), ACLs,
deleted instances, and the JSON status portal.js polls while a node is on its way."""

from __future__ import annotations

import uuid

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.clients.cloudauth import ICloudAuth
from cloudportal.clients.controller import Cached, IControllers
from cloudportal.errors import BackendError
from cloudportal.forms import Form
from cloudportal.nodes.cards import NodeUrls, cards
from cloudportal.nodes.health import Stopwatch
from cloudportal.nodes.model import (
    ControllerView,
    flavor_text,
    missing_before_create,
    status_json,
)
from cloudportal.nodes.power import fetch_node, power_node
from cloudportal.nodes.scw import MASQUERADE_REASON, scw_mode
from common.errors import NotFound
from common.params import path_int, path_uuid

PAGE_CALLS = {
    "instances": lambda c: c.instances(),
    "flavors": Cached(lambda c: c.flavors(), lambda c: c.held("flavors")),
    "images": Cached(lambda c: c.images(), lambda c: c.held("images")),
    "users": lambda c: c.system_users(),
}
# The list page of a caller who manages nobody: their system-account listing holds only their own
# account, which the portal keeps briefly (ControllerClient.own_system_account); so the page costs
# one call per controller, the instances, once the VM types and images are cached too.
OWN_ACCOUNT_CALLS = {
    **PAGE_CALLS,
    "users": Cached(lambda c: c.own_system_account(), lambda c: c.held("own-account")),
}


def controller_of(request):
    cc_id = path_int(request, "cc", "cloud controller")
    client = request.find_service(IControllers).get(cc_id)
    if client is None:
        raise NotFound(f"no cloud controller {cc_id}")
    return client


def instance_id(request) -> str:
    return uuid.UUID(path_uuid(request, "instance", "login node")).hex


def directory(request, users: list[dict] | None = None) -> tuple[dict[str, str], set[str]]:
    """(email by Cloud Auth id, ids of my managed users): one Cloud Auth call, for account
    owners only (other users manage nobody); ``users``: that call's answer, already made."""
    me = request.identity
    emails = {me.userid: me.email}
    if not me.is_account_owner:
        return emails, set()
    if users is None:
        users = request.find_service(ICloudAuth).managed_users(me.userid)
    emails.update({u["id"]: u.get("email", "") for u in users})
    return emails, {u["id"] for u in users}


def stopwatch(request, client) -> Stopwatch:
    registry = request.registry
    return Stopwatch(registry["scm.portal.cache"], client.config, registry["scm.portal.clock"])


def views_of(request, outcomes, managed_users: list[dict] | None = None) -> list:
    me = request.identity
    emails, managed = directory(request, managed_users)
    for outcome in outcomes:
        outcome.view = (
            ControllerView(
                outcome.value,
                me.userid,
                emails,
                managed,
                me.is_superuser,
                stopwatch(request, outcome.controller),
            )
            if outcome.ok
            else None
        )
    return outcomes


def one_view(request, client, calls=PAGE_CALLS) -> ControllerView:
    """One controller's view (the action pages); its refusal or absence is the page's error."""
    data = {name: fn(client) for name, fn in calls.items()}
    me = request.identity
    emails, managed = directory(request)
    return ControllerView(
        data, me.userid, emails, managed, me.is_superuser, stopwatch(request, client)
    )


def showing_all(request) -> bool:
    """The list shows every live node (``show=all``, kept through the forms of its cards)."""
    return (request.GET.get("show") or request.POST.get("show")) == "all"


def back_to_list(request, anchor: str) -> HTTPFound:
    query = {"show": "all"} if showing_all(request) else {}
    return HTTPFound(request.route_url("nodes", _query=query, _anchor=anchor))


@view_config(route_name="nodes", renderer="nodes/list.mako", permission="portal")
def list_nodes(request):
    storage_mgmt = request.registry["scm.settings"].storage_mgmt
    me = request.identity
    show_all = showing_all(request)
    calls = dict(PAGE_CALLS if me.is_account_owner else OWN_ACCOUNT_CALLS)
    # One call per controller either way: the newest nodes.page_size live nodes, or all of them.
    page_size = request.registry["scm.settings"].nodes_page_size
    limit = None if show_all else page_size
    calls["instances"] = lambda c: c.live_instances(limit)
    if storage_mgmt:  # the $HOME volume is a prerequisite of a new node: say when it is missing
        calls["volumes"] = lambda c: c.volumes(me.userid)
    managed = None
    if me.is_account_owner:
        # Cloud Auth's list of my users is asked while the controllers answer, not after them.
        cloudauth = request.find_service(ICloudAuth)
        managed = request.registry["scm.portal.pool"].submit(cloudauth.managed_users, me.userid)

    def build(outcome) -> None:
        """One controller's part of the page, built as soon as it has answered (while the page
        may still wait for another controller)."""
        outcome.view, outcome.total, outcome.missing, outcome.cards = None, 0, [], []
        if not outcome.ok:
            return
        outcome.total, outcome.value["instances"] = outcome.value["instances"]
        views_of(request, [outcome], managed.result() if managed is not None else None)
        outcome.missing = missing_before_create(
            outcome.view, outcome.value.get("volumes"), storage_mgmt
        )
        outcome.cards = cards(outcome.view, NodeUrls(request, outcome.controller.id))

    outcomes = request.find_service(IControllers).gather(calls, then=build)
    return {
        "outcomes": outcomes,
        "scw": scw_mode(request),
        "scw_why": MASQUERADE_REASON,
        "show_all": show_all,
        # A node's ACL names the owner's managed users: a user who can have none (not an
        # account owner or the superuser) gets no "Manage ACLs" section that can only be empty.
        "acl": me.is_account_owner,
        # The Delete link of a card on the full list: its confirmation comes back to it.
        "delete_query": "?show=all" if show_all else "",
        "more": any(o.total > page_size for o in outcomes),
        "page_size": page_size,
    }


@view_config(route_name="nodes.deleted", renderer="nodes/deleted.mako", permission="portal")
def deleted_nodes(request):
    client = controller_of(request)
    view = one_view(request, client)
    return {"controller": client, "nodes": view.nodes(deleted=True), "flavor_text": flavor_text}


@view_config(route_name="nodes.status", renderer="json", permission="portal", request_method="GET")
def node_status(request):
    client = controller_of(request)
    raw = client.instance(instance_id(request))
    me = request.identity
    view = ControllerView({}, me.userid, {}, set(), me.is_superuser, stopwatch(request, client))
    return status_json(view.node(raw))


def _create_context(request, client, form):
    view = one_view(request, client, {k: PAGE_CALLS[k] for k in ("flavors", "images", "users")})
    settings = request.registry["scm.settings"]
    volumes = []
    if settings.storage_mgmt and view.my_account:
        volumes = client.volumes(request.identity.userid)
    missing = missing_before_create(view, volumes, settings.storage_mgmt)
    return {
        "controller": client,
        "form": form,
        "flavors": list(view.flavors.values()),
        "images": [i for i in view.images.values() if i.get("active", True)],
        "missing": missing,
        "flavor_text": flavor_text,
    }


@view_config(
    route_name="nodes.create",
    request_method="GET",
    renderer="nodes/create.mako",
    permission="portal",
)
def create_page(request):
    client = controller_of(request)
    return _create_context(request, client, Form(request, ("flavor", "image")))


@view_config(
    route_name="nodes.create",
    request_method="POST",
    renderer="nodes/create.mako",
    permission="portal",
)
def create_node(request):
    client = controller_of(request)
    form = Form(request, ("flavor", "image"))
    form.require("flavor", "image")
    context = _create_context(request, client, form)
    # Only choices the APIs offered (the controller checks again).
    if form["flavor"] and form["flavor"] not in {f["id"] for f in context["flavors"]}:
        form.error("flavor", "Choose one of the listed VM types.")
    if form["image"] and form["image"] not in {i["id"] for i in context["images"]}:
        form.error("image", "Choose one of the listed images.")
    if form.ok:
        try:
            created = client.create_instance(form["flavor"], form["image"])
        except BackendError as exc:
            form.refused(exc)  # a flavor over the cap, no free GPU, no system account...
        else:
            stopwatch(request, client).started(created["id"], created.get("status", "BUILD"))
            request.session.flash(
                f"Login node {created.get('hostname') or created['id']} is being created on "
                f"{client.name}; its status updates on this page."
            )
            return HTTPFound(request.route_url("nodes", _anchor=f"cc-{client.id}"))
    request.response.status = 400
    return context


@view_config(route_name="nodes.power", request_method="POST", permission="portal")
def power(request):
    client = controller_of(request)
    node_id = instance_id(request)
    node = power_node(request, client, node_id)
    if node is not None:
        stopwatch(request, client).started(node_id, node.get("status", ""))
    return back_to_list(request, f"node-{node_id}")


@view_config(
    route_name="nodes.delete",
    request_method="GET",
    renderer="nodes/delete.mako",
    permission="portal",
)
def delete_confirm(request):
    client = controller_of(request)
    node_id = instance_id(request)
    raw = fetch_node(client, node_id)
    # The system accounts tell whether the caller holds Delete Instance on this node.
    view = one_view(request, client, {"users": PAGE_CALLS["users"]})
    node = view.node(raw)
    if not node.can_delete:
        request.response.status = 403
    query = {"show": "all"} if showing_all(request) else {}
    back = request.route_path("nodes", _query=query, _anchor=f"node-{node.id}")
    return {"controller": client, "node": node, "show_all": bool(query), "back": back}


@view_config(route_name="nodes.delete", request_method="POST", permission="portal")
def delete_node(request):
    client = controller_of(request)
    node_id = instance_id(request)
    try:
        node = client.delete_instance(node_id)
    except BackendError as exc:
        if exc.status == 404:
            raise NotFound("no such login node") from None
        request.session.flash(f"Delete refused: {exc.message}", "error")
    else:
        request.session.flash(f"{node.get('hostname', node_id)} is being deleted.")
    return back_to_list(request, f"cc-{client.id}")


@view_config(route_name="nodes.acl", request_method="POST", permission="portal")
def save_acl(request):
    client = controller_of(request)
    node_id = instance_id(request)
    view = one_view(request, client, {"users": PAGE_CALLS["users"]})
    node = view.node(client.instance(node_id))
    if not node.can_manage:
        raise NotFound("no such login node")
    allowed = {c.user_id for c in view.candidates(node)}
    chosen = {name: set(request.POST.getall(name)) for name in ("login", "power", "delete")}
    named = set().union(*chosen.values())
    if not named <= allowed:
        # Only the owner's own users may be named: ids from another domain are refused here,
        # whatever the form says.
        request.session.flash("Those users cannot be given access to this node.", "error")
        return back_to_list(request, f"node-{node_id}")
    grants = [
        {"user-id": uid, "power": uid in chosen["power"], "delete": uid in chosen["delete"]}
        for uid in sorted(named)
    ]
    try:
        client.set_instance_users(node_id, grants)
    except BackendError as exc:
        request.session.flash(f"Permissions not saved: {exc.message}", "error")
    else:
        request.session.flash(f"Permissions of {node.hostname or node_id} saved.")
    return back_to_list(request, f"node-{node_id}")
