"""Nodes that are late or broken, in words a person can act on: a node on its way for longer than
its controller's boot/reboot timeout is flagged (portal-ux.md section 3), and the controller's
reason for ERROR/FAILED is put in plain words with what to try next, the raw reason kept."""

from __future__ import annotations

import time
from collections.abc import Callable

from cloudportal.settings import CloudController
from common.cache import Cache

# (words in the controller's status-reason, what happened, what to try). First match wins; the
# reasons are cloudcontroller/instances/lifecycle.py's and OpenStack's fault messages.
EXPLANATIONS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("no valid host", "novalidhost", "not enough hosts"),
        "The cloud had no room for this VM type when the node was started.",
        "Power it off, then on, to try again later, or delete it and create one with a "
        "smaller VM type.",
    ),
    (
        ("not active within",),
        "The node did not finish booting in time.",
        "Power it off, then on, to boot it again from its disk. If it happens again, "
        "contact support with its Server Instance Id.",
    ),
    (
        ("public ip",),
        "No public IP address was free for the node, so it cannot be reached from outside.",
        "Power it off, then on, later to try again (its disk is kept), or ask your site "
        "administrator for more public addresses.",
    ),
    (
        ("boot volume",),
        "The node's disk could not be created.",
        "Delete it and create it again. If it happens again, contact support with its "
        "Server Instance Id.",
    ),
    (
        ("configuration failed",),
        "The node started but could not be set up (system accounts, $HOME, SSH keys).",
        "Check your system account and $HOME in Manage My Accounts & Groups, then power it "
        "off, then on.",
    ),
    (
        ("server is gone", "server failed", "could not be booted"),
        "The cloud could not run the node's server.",
        "Power it off, then on, to start a new server from its disk. If it happens again, "
        "contact support with its Server Instance Id.",
    ),
)
GENERIC = (
    "Something went wrong on the cloud while handling this node.",
    "Power it off, then on, to try again, or delete it. If it keeps failing, contact support "
    "with its Server Instance Id.",
)

# The controller's boot_timeout runs from creation or power-on until ACTIVE, across these.
BOOTING = frozenset({"BUILD", "BOOT", "CONFIGURING", "STARTING"})
KEY = "portal:since:{cc}:{node}"


def explain(reason: str) -> tuple[str, str]:
    """(what happened, what to try) for an ERROR/FAILED node's status reason."""
    text = (reason or "").lower()
    for words, happened, next_step in EXPLANATIONS:
        if any(w in text for w in words):
            return happened, next_step
    return GENERIC


def _span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


class Stopwatch:
    """How long each node has been in its current on-the-way status, as this portal saw it.

    The controller's API publishes no "status since" time, so the portal keeps, per node, the
    status and the time it first saw it (or started it: a create or power action) in its shared
    cache. That is a lower bound of the true time, so a flag is never raised early."""

    def __init__(self, cache: Cache, controller: CloudController, clock: Callable = time.time):
        self.cache, self.controller, self.clock = cache, controller, clock

    def _timeout(self, status: str) -> float:
        if status == "REBOOTING":
            return self.controller.reboot_timeout
        return self.controller.boot_timeout

    @staticmethod
    def _leg(status: str) -> str:
        """One leg of the way, timed as a whole: build to ACTIVE is one, whatever the steps."""
        return "boot" if status in BOOTING else status

    def _key(self, node_id: str) -> str:
        return KEY.format(cc=self.controller.id, node=node_id)

    def _ttl(self, status: str) -> float:
        # Past its timeout the controller turns the node to ERROR itself, so a record older than
        # a few timeouts belongs to an earlier power cycle and may go.
        return max(4 * self._timeout(status), 600.0)

    def started(self, node_id: str, status: str) -> None:
        """The portal itself just sent the node on its way (create, power on/off, reboot)."""
        self.cache.set(self._key(node_id), [self._leg(status), self.clock()], self._ttl(status))

    def overdue(self, node_id: str, status: str, label: str) -> str:
        """A warning when the node is later than its timeout in ``status``, else ""."""
        now = self.clock()
        seen = self.cache.get(self._key(node_id))
        if not seen or seen[0] != self._leg(status):
            self.cache.set(self._key(node_id), [self._leg(status), now], self._ttl(status))
            return ""
        elapsed, timeout = now - float(seen[1]), self._timeout(status)
        if elapsed <= timeout:
            return ""
        return (
            f"Taking longer than expected: {label.lower()} for {_span(elapsed)}; it usually "
            f"takes at most {_span(timeout)}. You may power it off or delete it; if it stays "
            "like this, contact support with its Server Instance Id."
        )
