"""The login-nodes page's per-node view models, built once per node in Python.

A page with 100 nodes wrote ~40 escaped expressions per card, most of them the same few values
(the node's id and hostname, five URLs), and Mako's escape filter was about half of the page's
rendering time. A :class:`Card` escapes each value once, into ``Markup``, so that the template
writes it with ``| n``. Safety rests on one rule, kept here: every attribute a template writes
with ``| n`` is made by :func:`markupsafe.escape` (or is a literal of this module)."""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup, escape

from cloudportal.nodes.model import Candidate, ControllerView, Node, flavor_text

ROUTES = ("power", "delete", "acl", "status")
MARK = "NODE-ID"


class NodeUrls:
    """A controller's per-node URL templates for one page, from one ``route_path`` per route
    (a page with 100 nodes needs 400 of them; ``route_path`` is slow)."""

    def __init__(self, request, cc_id: int):
        self.templates = {
            name: request.route_path(f"nodes.{name}", cc=cc_id, instance=MARK) for name in ROUTES
        }

    def __call__(self, name: str, node_id: str) -> str:
        return self.templates[name].replace(MARK, quote(node_id, safe=""))

    def escaped(self, node_id: str) -> dict[str, Markup]:
        quoted = quote(node_id, safe="")
        return {name: escape(t.replace(MARK, quoted)) for name, t in self.templates.items()}


def _badge(node: Node) -> Markup:
    if node.failed:
        return escape("badge-danger")
    return escape("badge-success" if node.status == "ACTIVE" else "badge-secondary")


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
        "badge",
        "candidates",
        "flavor",
        "hostname",
        "id",
        "image",
        "label",
        "node",
        "overdue",
        "reason",
        "title",
        "urls",
    )

    def __init__(self, node: Node, urls: NodeUrls, candidates: list[CandidateRow] | None):
        self.node = node
        self.id = escape(node.id)
        self.hostname = escape(node.hostname)
        self.title = escape(node.hostname or node.id)
        self.urls = urls.escaped(node.id)
        self.flavor = escape(flavor_text(node.flavor))
        self.image = escape(node.image.get("name", ""))
        self.badge = _badge(node)
        self.label = escape(node.label)
        self.reason = escape(node.reason)
        self.overdue = escape(node.overdue)
        self.candidates = candidates


def cards(view: ControllerView, urls: NodeUrls) -> list[Card]:
    """The cards of a controller's live nodes. A node's ACL candidates depend only on its owner:
    computed once per owner, not once per node."""
    by_owner: dict[str, list[CandidateRow]] = {}
    out = []
    for node in view.nodes():
        rows = None
        if node.can_manage:
            rows = by_owner.get(node.owner_id)
            if rows is None:
                rows = by_owner[node.owner_id] = [CandidateRow(c) for c in view.candidates(node)]
        out.append(Card(node, urls, rows))
    return out
