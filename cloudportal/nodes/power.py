"""What the user's node pages and the superuser's node list do alike: read one login node (an
unknown one is a 404 page), and power it from a form (the action checked, the controller asked,
the outcome told in a flash message)."""

from __future__ import annotations

from cloudportal.errors import BackendError
from cloudportal.nodes.model import STATUS_LABELS
from common.errors import NotFound

POWER_ACTIONS = {"on": "Power on", "off": "Power off", "reboot": "Reboot"}


def fetch_node(client, node_id: str) -> dict:
    """The node as the controller has it; an unknown (or invisible) node is a 404 page."""
    try:
        return client.instance(node_id)
    except BackendError as exc:
        if exc.status == 404:
            raise NotFound("no such login node") from None
        raise


def power_node(request, client, node_id: str) -> dict | None:
    """Apply the form's ``action`` to ``node_id`` through ``client`` (a controller client): the
    node as the controller answered, or None when the action was unknown or refused (the
    reason is flashed). An unknown node is a 404."""
    action = request.POST.get("action", "")
    if action not in POWER_ACTIONS:
        request.session.flash("Choose power on, power off or reboot.", "error")
        return None
    try:
        node = client.power(node_id, action)
    except BackendError as exc:
        if exc.status == 404:
            raise NotFound("no such login node") from None
        request.session.flash(f"{POWER_ACTIONS[action]} refused: {exc.message}", "error")
        return None
    label = STATUS_LABELS.get(node["status"], node["status"]).lower()
    request.session.flash(
        f"{POWER_ACTIONS[action]}: {node.get('hostname') or node_id} is now {label}."
    )
    return node
