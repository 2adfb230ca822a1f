"""The login-nodes page's per-node view models, built once per node in Python.

A page with 100 nodes wrote ~40 escaped expressions per card, most of them the same few values
(the node's id and hostname, five URLs), and Mako's escape filter was about half of the page's
rendering time. A :class:`Card` escapes each value once, into ``Markup``, which the template's
default filter (``cloudportal.escaping.escape_html``) passes through unchanged; a value that is
not ``Markup`` is still escaped there, so a mistake here costs a double escape, never an
injection."""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup, escape

from cloudportal.escaping import markup
from cloudportal.nodes.model import Candidate, ControllerView, Node, flavor_text

ROUTES = ("power", "delete", "acl", "status", "scw")
MARK = "NODE-ID"
EMPTY = escape("")


class NodeUrls:
    """A controller's per-node URL templates for one page, from one ``route_path`` per route
    (a page with 100 nodes needs 400 of them; ``route_path`` is slow)."""

    def __init__(self, request, cc_id: int):
        self.templates = {
            name: request.route_path(f"nodes.{name}", cc=cc_id, instance=MARK) for name in ROUTES
        }
        self.parts: dict[str, tuple[str, str]] | None = None

    def __call__(self, name: str, node_id: str) -> str:
        return self.templates[name].replace(MARK, quote(node_id, safe=""))

    def escaped(self, node_id: str) -> dict[str, str]:
        """The node's URLs, HTML-escaped: each escaped part of the route's path around one
        escape of the quoted id (a concatenation of escaped parts is escaped)."""
        if self.parts is None:
            self.parts = {
                name: tuple(str(escape(part)) for part in t.split(MARK, 1))
                for name, t in self.templates.items()
            }
        quoted = _url_id(node_id)
        return {name: head + quoted + tail for name, (head, tail) in self.parts.items()}


def _url_id(node_id: str) -> str:
    """The id as a URL path segment, HTML-escaped. The controllers' ids are hex UUIDs: ASCII
    letters and digits need neither quoting nor escaping (the common case, without the calls)."""
    if node_id.isascii() and node_id.isalnum():
        return node_id
    return str(escape(quote(node_id, safe="")))


BADGES = {
    "failed": escape("badge-danger"),
    "ACTIVE": escape("badge-success"),
    "other": escape("badge-secondary"),
}


def _badge(node: Node) -> Markup:
    if node.failed:
        return BADGES["failed"]
    return BADGES["ACTIVE" if node.status == "ACTIVE" else "other"]


def _name(item: dict) -> str:
    return item.get("name", "")


def _label(node: Node) -> str:
    return node.label


def _denied(node: Node) -> str:
    return node.denied


def _owner(node: Node) -> str:
    if node.mine:
        return ""
    if node.owner_label:
        return f" · Owner: {node.owner_label}"
    return " · Shared with you by its owner"


POWER_LABELS = (("on", "Power on"), ("off", "Power off"), ("reboot", "Reboot"))


def _actions(node: Node) -> tuple[tuple[str, str, str], ...]:
    """The node's power buttons as (action, label, mode): ``form`` (a button of the page's
    form), or ``denied`` (shown disabled, with the reason) for a user the owner granted access
    who may not power this node on or off."""
    shown = {"on": node.can_power_on, "off": node.can_power_off, "reboot": node.can_reboot}
    out = []
    for action, label in POWER_LABELS:
        if (
            not node.can_power
            and action != "reboot"
            and (node.status == "STOPPED") == (action == "on")
        ):
            out.append((action, label, "denied"))
        elif shown[action]:
            out.append((action, label, "form"))
    return tuple(out)


def _once(texts: dict, kind: str, key, source, text) -> Markup:
    value = texts.get((kind, key))
    if value is None:
        value = texts[(kind, key)] = escape(text(source))
    return value


class CandidateRow:
    """One line of a node's ACL table, its texts escaped once per page (not once per node)."""

    __slots__ = ("email", "system_name", "uid", "user_id")

    def __init__(self, candidate: Candidate):
        self.user_id = candidate.user_id
        self.uid = escape(candidate.user_id)
        self.email = escape(candidate.email)
        self.system_name = escape(candidate.system_name)


class Card:
    """One node as the list page shows it: ``node`` for the decisions, escaped texts for the
    output (see the module's docstring)."""

    __slots__ = (
        "actions",
        "badge",
        "candidates",
        "created",
        "denied",
        "flavor",
        "hostname",
        "id",
        "image",
        "label",
        "node",
        "overdue",
        "owner",
        "private_ip",
        "public_ip",
        "reason",
        "title",
        "urls",
    )

    def __init__(
        self,
        node: Node,
        urls: NodeUrls,
        candidates: list[CandidateRow] | None,
        texts: dict[tuple[str, str], Markup],
    ):
        self.node = node
        self.id = markup(node.id)
        self.hostname = markup(node.hostname) if node.hostname else EMPTY
        self.title = self.hostname or self.id
        self.urls = urls.escaped(node.id)
        # Texts shared by many nodes (a VM type, an image, a status), escaped once per page.
        self.flavor = _once(
            texts,
            "flavor",
            node.flavor.get("id") or node.flavor.get("name"),
            node.flavor,
            flavor_text,
        )
        self.image = _once(
            texts, "image", node.image.get("id") or node.image.get("name"), node.image, _name
        )
        self.label = _once(texts, "label", node.status, node, _label)
        self.badge = _badge(node)
        self.reason = markup(node.reason) if node.reason else EMPTY
        self.denied = _once(texts, "denied", node.denied, node, _denied)
        self.created = markup(node.created)
        self.public_ip = markup(node.public_ip or "—")
        self.private_ip = markup(node.private_ip or "—")
        self.overdue = markup(node.overdue) if node.overdue else EMPTY
        self.candidates = candidates
        self.owner = _once(texts, "owner", (node.mine, node.owner_label), node, _owner)
        key = (node.can_power, node.status, node.power)
        self.actions = texts.get(("actions", key))
        if self.actions is None:
            self.actions = texts[("actions", key)] = _actions(node)


def cards(view: ControllerView, urls: NodeUrls) -> list[Card]:
    """The cards of a controller's live nodes. A node's ACL candidates depend only on its owner:
    computed once per owner, not once per node."""
    by_owner: dict[str, list[CandidateRow]] = {}
    texts: dict[tuple[str, str], Markup] = {}
    out = []
    for node in view.nodes():
        rows = None
        if node.can_manage:
            rows = by_owner.get(node.owner_id)
            if rows is None:
                rows = by_owner[node.owner_id] = [CandidateRow(c) for c in view.candidates(node)]
        out.append(Card(node, urls, rows, texts))
    return out
