"""The login-nodes page's view of a controller's answers: each node with its flavor and image
by name, what the signed-in user may do to it, and who may be granted access. Built from one
listing per kind (instances, flavors, images, system accounts), whatever the number of nodes."""

from __future__ import annotations

from dataclasses import dataclass, field

from cloudportal.nodes.health import Stopwatch, explain
from cloudportal.nodes.scw import workstation_url

# Statuses on the way to another: the page polls these (portal.js) until they settle.
TRANSITIONAL = frozenset(
    {"BUILD", "BOOT", "CONFIGURING", "STOPPING", "STARTING", "REBOOTING", "DELETING"}
)
FAILED = frozenset({"ERROR", "FAILED"})
STATUS_LABELS = {
    "BUILD": "Building",
    "BOOT": "Booting",
    "CONFIGURING": "Configuring",
    "ACTIVE": "Running",
    "STOPPING": "Powering off",
    "STOPPED": "Off (disk kept)",
    "STARTING": "Powering on",
    "REBOOTING": "Rebooting",
    "DELETING": "Deleting",
    "DELETED": "Deleted",
    "ERROR": "Error",
    "FAILED": "Failed (no public IP)",
}


@dataclass
class Grant:
    user_id: str
    power: bool
    delete: bool


@dataclass
class Candidate:
    """A system account the node's ACL may name: the owner's managed users on this controller."""

    user_id: str
    system_name: str
    cloudauth_id: str
    email: str


@dataclass
class Node:
    id: str
    hostname: str
    created: str
    status: str
    reason: str
    public_ip: str
    private_ip: str
    flavor: dict
    image: dict
    owner_id: str
    owner_label: str
    mine: bool
    can_manage: bool
    can_power: bool
    can_delete: bool
    power: str
    deleted: str = ""
    grants: dict[str, Grant] = field(default_factory=dict)
    overdue: str = ""  # a warning when on its way for longer than the controller's timeout
    # Scyld Cloud Workstation: the node's workstation URL ("" when its image is no SCW image),
    # and whether the signed-in user may log in to it (their node, or shared with them).
    workstation: str = ""
    can_login: bool = False

    @property
    def explained(self) -> tuple[str, str]:
        """(what happened, what to try) for an ERROR/FAILED node."""
        return explain(self.reason)

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def busy(self) -> bool:
        return self.status in TRANSITIONAL

    @property
    def failed(self) -> bool:
        return self.status in FAILED

    @property
    def can_power_on(self) -> bool:
        return self.can_power and self.status == "STOPPED"

    @property
    def can_power_off(self) -> bool:
        # Always possible from ERROR/FAILED: a stuck node can be stopped (portal-ux.md §3).
        return self.can_power and self.power != "off" and self.status not in ("DELETING", "DELETED")

    @property
    def can_reboot(self) -> bool:
        return self.can_power and self.status == "ACTIVE"

    @property
    def denied(self) -> str:
        """Why an action is shown unavailable to a user the owner granted access (portal-ux.md
        section 2.2: show what cannot run and say why); empty when every action is theirs."""
        if self.can_power and self.can_delete:
            return ""
        if not self.can_power and not self.can_delete:
            return (
                "You may log in to this node, but not power it on or off or delete it: ask its "
                "owner for the Activate Instance or Delete Instance permission."
            )
        if not self.can_delete:
            return "You may not delete this node: ask its owner for the Delete Instance permission."
        return (
            "You may not power this node on or off: ask its owner for the Activate Instance "
            "permission."
        )


def missing_before_create(view: ControllerView, volumes: list | None, storage_mgmt: bool) -> list:
    """What the user must set up on a controller before a login node can be created there
    (portal-ux.md section 4.3): ``system_account``, then ``home`` where storage is managed."""
    if view.my_account is None:
        return ["system_account"]
    if storage_mgmt and not any(v.get("status", "active") == "active" for v in volumes or []):
        return ["home"]
    return []


def flavor_text(flavor: dict) -> str:
    if not flavor:
        return ""
    text = (
        f"{flavor.get('name', '')} - CPUs: {flavor.get('vcpu', '?')}"
        f" Memory: {flavor.get('memory', '?')}MB"
    )
    if flavor.get("gpu"):
        text += " GPU"
    return text


def status_json(node: Node) -> dict:
    return {
        "id": node.id,
        "status": node.status,
        "label": node.label,
        "reason": node.reason,
        "public_ip": node.public_ip,
        "private_ip": node.private_ip,
        "busy": node.busy,
        "overdue": node.overdue,
    }


class ControllerView:
    """One controller's part of the page, for one signed-in user."""

    def __init__(
        self,
        data: dict,
        me: str,
        emails: dict[str, str],
        managed: set[str],
        superuser: bool,
        stopwatch: Stopwatch | None = None,
    ):
        self.me, self.emails, self.managed, self.superuser = me, emails, managed, superuser
        self.stopwatch = stopwatch
        self.flavors = {f["id"]: f for f in data.get("flavors") or []}
        self.images = {i["id"]: i for i in data.get("images") or []}
        users = data.get("users") or []
        self.my_account = next((u for u in users if u.get("cloudauth-id") == me), None)
        self.accounts = {u["user-id"]: u for u in users}
        self.instances = data.get("instances") or []

    def manages(self, owner_id: str) -> bool:
        return self.superuser or owner_id == self.me or owner_id in self.managed

    def node(self, raw: dict) -> Node:
        owner = raw.get("cloudauth-id", "")
        manage = self.manages(owner)
        my_uid = self.my_account["user-id"] if self.my_account else None
        grants = {
            g["user-id"]: Grant(g["user-id"], bool(g.get("power")), bool(g.get("delete")))
            for g in raw.get("user-permissions", [])
        }
        mine = grants.get(my_uid) if my_uid else None
        status = raw.get("status", "")
        overdue = ""
        if self.stopwatch is not None and status in TRANSITIONAL:
            overdue = self.stopwatch.overdue(raw["id"], status, STATUS_LABELS[status])
        image = self.images.get(raw.get("server-image"), {"name": raw.get("server-image", "")})
        public_ip, private_ip = raw.get("public-ip", ""), raw.get("private-ip", "")
        return Node(
            id=raw["id"],
            hostname=raw.get("hostname", ""),
            created=(raw.get("creation-date") or "")[:10],
            status=status,
            reason=raw.get("status-reason", ""),
            public_ip=public_ip,
            private_ip=private_ip,
            flavor=self.flavors.get(
                raw.get("server-flavor"), {"name": raw.get("server-flavor", "")}
            ),
            image=image,
            owner_id=owner,
            # "" when the owner is not someone the caller manages: a user the node is shared
            # with is not shown another user's id (the page says "Shared with you").
            owner_label="you" if owner == self.me else self.emails.get(owner, ""),
            mine=owner == self.me,
            can_manage=manage,
            can_power=manage or bool(mine and mine.power),
            can_delete=manage or bool(mine and mine.delete),
            power=raw.get("power", ""),
            deleted=(raw.get("deletion-date") or "")[:16].replace("T", " "),
            grants=grants,
            overdue=overdue,
            workstation=workstation_url(image.get("service-url"), public_ip, private_ip),
            can_login=owner == self.me or mine is not None,
        )

    def nodes(self, deleted: bool = False) -> list[Node]:
        chosen = [i for i in self.instances if (i.get("status") == "DELETED") == deleted]
        return [self.node(raw) for raw in chosen]

    def candidates(self, node: Node) -> list[Candidate]:
        """Who the node's ACL may name: the system accounts of the owner's domain on this
        controller (the caller sees exactly their own and their managed users'), less the
        node's owner."""
        out = []
        for account in self.accounts.values():
            cid = account.get("cloudauth-id", "")
            if cid == node.owner_id or not self.manages(cid):
                continue
            out.append(
                Candidate(
                    account["user-id"],
                    account.get("system-name", ""),
                    cid,
                    self.emails.get(cid, cid),
                )
            )
        return sorted(out, key=lambda c: c.system_name)
