"""SCW Login (seed 1.8.9; docs/scw.md): a POST from a node's card mints a one-time Cloud Auth
token for the signed-in user and answers a hand-off page whose form posts it to the node's
workstation (sent by portal.js at once; a button without JavaScript)."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.clients.cloudauth import ICloudAuth
from cloudportal.errors import BackendError, _page
from cloudportal.nodes.model import ControllerView
from cloudportal.nodes.power import fetch_node
from cloudportal.nodes.scw import MASQUERADE_REASON, handoff_policy, scw_mode, why_not
from cloudportal.nodes.views import controller_of, instance_id
from common.errors import NotFound


@view_config(
    route_name="nodes.scw", request_method="POST", renderer="nodes/scw.mako", permission="portal"
)
def scw_login(request):
    mode = scw_mode(request)
    if mode == "off":
        raise NotFound("SCW Login is not enabled on this portal")
    if mode == "masquerade":
        return _page(request, 403, "SCW Login unavailable", MASQUERADE_REASON)
    client = controller_of(request)
    node_id = instance_id(request)
    raw = fetch_node(client, node_id)
    me = request.identity
    data = {"images": client.images(), "users": client.system_users()}
    view = ControllerView(data, me.userid, {}, set(), me.is_superuser)
    node = view.node(raw)
    if not node.can_login:
        # A node the caller manages but may not log in to, or one they cannot see at all.
        raise NotFound("no such login node")
    back = HTTPFound(request.route_url("nodes", _anchor=f"node-{node.id}"))
    refusal = why_not(node)
    if refusal:
        request.session.flash(refusal, "error")
        return back
    try:
        issued = request.find_service(ICloudAuth).scw_token(node.workstation, client.id, node.id)
    except BackendError as exc:
        request.session.flash(f"SCW Login refused: {exc.message}", "error")
        return back
    account = view.my_account or {}
    request.response.headers["Content-Security-Policy"] = handoff_policy(node.workstation)
    return {
        "controller": client,
        "node": node,
        "workstation": node.workstation,
        "fields": {
            "auth_token": issued["auth_token"],
            "email": me.email,
            "userid": me.userid,
            "username": account.get("system-name", ""),
            "cloud_controller_id": str(client.id),
            "server_instance_id": node.id,
        },
        "expires_at_utc": issued.get("expires_at_utc", ""),
    }
