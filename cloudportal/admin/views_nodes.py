"""Administration > All Login Nodes: every login node on every controller, one controller at a
time, searched, sorted and paged by the controller; power, delete and permissions on any."""

from __future__ import annotations

import uuid

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.admin.listing import PER_PAGE, list_query
from cloudportal.clients.cloudauth_admin import ICloudAuthAdmin
from cloudportal.clients.controller import IControllers
from cloudportal.errors import BackendError, BackendUnavailable
from cloudportal.forms import Form
from cloudportal.nodes.model import STATUS_LABELS, flavor_text
from cloudportal.nodes.power import POWER_ACTIONS, fetch_node, power_node
from common.errors import NotFound
from common.params import path_int, path_uuid

# The controller's sort name -> column heading.
NODE_SORTS = {
    "hostname": "Hostname",
    "cloudauth-id": "Owner",
    "status": "Status",
    "public-ip": "Public IP",
    "server-flavor": "VM type",
    "creation-date": "Created",
}
# Where a node's actions may lead back to: the list's own query, nothing else.
BACK_KEYS = ("q", "sort", "order", "page")
# The owners' emails a superuser's node pages showed, kept per superuser for this long (a list of
# 50 nodes names up to 50 owners: one Cloud Auth call cost more than the page's own listing).
# Display only: every action names the node by id. An email changed meanwhile shows at most this
# late. At most OWNER_EMAILS_KEPT are kept; past that the copy starts again.
OWNER_EMAILS_TTL = 60.0
OWNER_EMAILS_KEPT = 2000


def _controller(request, cc_id: int):
    client = request.find_service(IControllers).get(cc_id)
    if client is None:
        raise NotFound(f"no cloud controller {cc_id}")
    return client


def _node_id(request) -> str:
    return uuid.UUID(path_uuid(request, "instance", "login node")).hex


def owner_emails(request, userids: list[str]) -> dict[str, str]:
    """Email by Cloud Auth id for the owners a page names: from this superuser's recent copy
    (each entry good for ``OWNER_EMAILS_TTL`` from when it was read), and the rest in one Cloud
    Auth call (only the ids the page shows)."""
    wanted = {u for u in userids if u}
    if not wanted:
        return {}
    cache = request.registry["scm.portal.cache"]
    now = request.registry["scm.portal.clock"]()
    key = f"portal:owner-emails:{request.identity.userid}"
    # {id: [email, read at]}; an id Cloud Auth does not know is kept as "" (asked once a minute).
    known = {
        u: entry
        for u, entry in (cache.get(key) or {}).items()
        if isinstance(entry, list) and now - entry[1] < OWNER_EMAILS_TTL
    }
    missing = sorted(wanted - known.keys())
    if missing:
        fetched = request.find_service(ICloudAuthAdmin).emails(missing)
        fresh = {u: [fetched.get(u, ""), now] for u in missing}
        known = {**known, **fresh} if len(known) + len(fresh) <= OWNER_EMAILS_KEPT else fresh
        cache.set(key, known, OWNER_EMAILS_TTL)
    return {u: known[u][0] for u in wanted if known[u][0]}


@view_config(route_name="admin.nodes", renderer="admin/nodes.mako", permission="superuser")
def list_nodes(request):
    controllers = request.find_service(IControllers)
    query = list_query(request, NODE_SORTS, "creation-date")
    raw_cc = request.GET.get("cc", "")
    chosen = controllers.clients[0] if controllers.clients else None
    if raw_cc:
        chosen = controllers.get(int(raw_cc)) if raw_cc.isdigit() and len(raw_cc) < 7 else None
        if chosen is None:
            raise NotFound(f"no cloud controller {raw_cc[:12]}")
    total, nodes, error, owners, flavors = 0, [], None, {}, {}
    if chosen is not None:
        try:
            total, nodes = chosen.instances_page(
                search=query.search,
                sort=query.sort,
                descending=query.descending,
                offset=query.offset,
                limit=PER_PAGE,
            )
            flavors = {f["id"]: f for f in chosen.flavors()}
        except BackendUnavailable as exc:
            error = f"{chosen.name} is unreachable: {exc.reason}. Its nodes cannot be listed now."
        except BackendError as exc:
            error = f"{chosen.name} refused: {exc.message}"
        owners = owner_emails(request, [n.get("cloudauth-id", "") for n in nodes])
    if query.problem:
        request.response.status = 400
    return {
        "controllers": controllers.clients,
        "chosen": chosen,
        "query": query,
        "total": total,
        "nodes": nodes,
        "owners": owners,
        "flavors": flavors,
        "flavor_text": flavor_text,
        "labels": STATUS_LABELS,
        "columns": NODE_SORTS,
        "error": error,
        "actions": POWER_ACTIONS,
    }


def _back(request, cc_id: int, node_id: str | None = None) -> HTTPFound:
    """To the node's page, or to the list as it was (only its own query is carried)."""
    if node_id:
        return HTTPFound(request.route_url("admin.node", cc=cc_id, instance=node_id))
    query = {k: request.POST.get(k, "")[:80] for k in BACK_KEYS if request.POST.get(k)}
    query["cc"] = str(cc_id)
    return HTTPFound(request.route_url("admin.nodes", _query=query))


def _node_page(request, client, node_id: str, grants_form=None, delete_form=None, status=200):
    node = fetch_node(client, node_id)
    accounts = {a["user-id"]: a for a in client.system_users()}
    owners = request.find_service(ICloudAuthAdmin).emails([node.get("cloudauth-id", "")])
    flavors = {f["id"]: f for f in client.flavors()}
    request.response.status = status
    return {
        "controller": client,
        "node": node,
        "owner": owners.get(node.get("cloudauth-id"), node.get("cloudauth-id")),
        "accounts": accounts,
        "flavor": flavor_text(flavors.get(node.get("server-flavor"), {})),
        "labels": STATUS_LABELS,
        "actions": POWER_ACTIONS,
        "grants_form": grants_form or Form(request, ("add",)),
        "delete_form": delete_form or Form(request, ("confirm",)),
    }


@view_config(
    route_name="admin.node",
    request_method="GET",
    renderer="admin/node.mako",
    permission="superuser",
)
def show_node(request):
    cc_id = path_int(request, "cc", "cloud controller")
    return _node_page(request, _controller(request, cc_id), _node_id(request))


@view_config(route_name="admin.node_power", request_method="POST", permission="superuser")
def power(request):
    cc_id = path_int(request, "cc", "cloud controller")
    client, node_id = _controller(request, cc_id), _node_id(request)
    power_node(request, client, node_id)
    return _back(request, cc_id, node_id if request.POST.get("from") == "node" else None)


@view_config(
    route_name="admin.node_delete",
    request_method="POST",
    renderer="admin/node.mako",
    permission="superuser",
)
def delete(request):
    cc_id = path_int(request, "cc", "cloud controller")
    client, node_id = _controller(request, cc_id), _node_id(request)
    form = Form(request, ("confirm",))
    if form["confirm"] != "yes":
        form.error("confirm", "Tick the box to confirm: the node and its boot disk go for good.")
        return _node_page(request, client, node_id, delete_form=form, status=400)
    try:
        node = client.delete_instance(node_id)
    except BackendError as exc:
        if exc.status == 404:
            raise NotFound("no such login node") from None
        form.refused(exc)
        return _node_page(request, client, node_id, delete_form=form, status=400)
    request.session.flash(f"{node.get('hostname') or node_id} is being deleted.")
    return HTTPFound(request.route_url("admin.nodes", _query={"cc": str(cc_id)}))


@view_config(
    route_name="admin.node_permissions",
    request_method="POST",
    renderer="admin/node.mako",
    permission="superuser",
)
def permissions(request):
    """The node's users: keep, change or remove each granted one, and add one by system name
    (an account on this controller)."""
    cc_id = path_int(request, "cc", "cloud controller")
    client, node_id = _controller(request, cc_id), _node_id(request)
    form = Form(request, ("add",))
    node = client.instance(node_id)
    current = [g["user-id"] for g in node.get("user-permissions", [])]
    keep = set(request.POST.getall("keep"))
    power_ok, delete_ok = set(request.POST.getall("power")), set(request.POST.getall("delete"))
    if not (keep | power_ok | delete_ok) <= set(current):
        form.message = "Only the node's own users can be changed here; add others by name."
    accounts = {a["system-name"]: a["user-id"] for a in client.system_users()}
    added = None
    if form["add"]:
        added = accounts.get(form["add"])
        if added is None:
            form.error("add", f"No system account {form['add']!r} on {client.name}.")
        elif added in current:
            form.error("add", "That account already has access; change it above.")
    if not form.ok:
        return _node_page(request, client, node_id, grants_form=form, status=400)
    grants = [
        {"user-id": uid, "power": uid in power_ok, "delete": uid in delete_ok}
        for uid in current
        if uid in keep
    ]
    if added:
        grants.append({"user-id": added, "power": False, "delete": False})
    try:
        client.set_instance_users(node_id, grants)
    except BackendError as exc:
        form.refused(exc)
        return _node_page(request, client, node_id, grants_form=form, status=400)
    request.session.flash(f"Permissions of {node.get('hostname') or node_id} saved.")
    return _back(request, cc_id, node_id)
