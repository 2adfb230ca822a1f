"""What a person does in the portal, one step per function, through labels and roles (what a
screen reader announces), never CSS classes: a control the steps cannot find by its name is an
accessibility bug. Every page reached is checked (``tour.check``)."""

from __future__ import annotations

import base64
import json
import re
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.tour import Tour

NEW_PASSWORD = "correct horse battery"


def ssh_public_key(comment: str) -> str:
    """A valid OpenSSH ed25519 public key line with ``comment``."""
    raw = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    base64.b64decode(raw.split()[1])  # well-formed
    return f"{raw} {comment}"


def button(tour: Tour, name, scope=None):
    return (scope or tour.page).get_by_role("button", name=name)


def log_in(tour: Tour, portal: str, login: str, password: str, start: str = "/login") -> None:
    """Log in; ``start``: a page asked for first, which sends to the login form and back."""
    tour.page.goto(portal + start)
    tour.check("login")
    tour.fill(tour.page.get_by_label("Email or username"), login)
    tour.fill(tour.page.get_by_label("Password", exact=True), password)
    tour.activate(button(tour, "Log in"))
    tour.page.wait_for_load_state("load")


def change_default_password(tour: Tour, old: str, new: str = NEW_PASSWORD) -> None:
    expect(tour.page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    tour.check("forced-password-change")
    # Anything else is refused until the password is changed.
    tour.fill(tour.page.get_by_label("Current password"), old)
    tour.fill(tour.page.get_by_label("New password", exact=True), new)
    tour.fill(tour.page.get_by_label("New password again"), new)
    tour.activate(button(tour, "Change password"))
    tour.page.wait_for_load_state("load")


def log_out(tour: Tour) -> None:
    tour.activate(button(tour, "Log out"))
    expect(tour.page.get_by_label("Email or username")).to_be_visible()
    tour.check("logged-out")


def go(tour: Tour, menu_item: str, name: str) -> None:
    """Follow a link of the sidebar (the Account Menu / Portal Help)."""
    # Wait for the new document itself: "load" of the old one (already reached) let the check
    # run on the page being replaced, and axe died with it when the reply came fast.
    with tour.page.expect_navigation():
        tour.activate(tour.page.get_by_role("navigation").get_by_role("link", name=menu_item))
    tour.page.wait_for_load_state("load")
    tour.check(name)


def create_managed_user(
    tour: Tour, name: str, email: str, password: str, role: str | None = None
) -> None:
    """``role``: the label of the role choice the superuser is offered ("Account owner")."""
    if not tour.page.url.endswith("/users"):
        go(tour, "Manage My Users", "users")
    tour.fill(tour.page.get_by_label("Name", exact=True), name)
    tour.fill(tour.page.get_by_label("Email", exact=True), email)
    tour.fill(tour.page.get_by_label("Initial password"), password)
    if role:
        tour.activate(tour.page.get_by_label(role, exact=True))
    tour.activate(button(tour, "Create user"))
    tour.page.wait_for_load_state("load")
    expect(tour.page.get_by_role("status").filter(has_text=email)).to_be_visible()
    tour.check("user-created")


def controller_section(tour: Tour, name: str = "Demo cloud"):
    return tour.page.get_by_role("region", name=name)


def create_system_account(tour: Tour, system_name: str) -> None:
    go(tour, "Manage My Accounts & Groups", "accounts")
    section = controller_section(tour)
    tour.fill(section.get_by_label("System (UNIX) user name"), system_name)
    tour.activate(button(tour, "Create system account", section))
    tour.page.wait_for_load_state("load")
    expect(controller_section(tour).get_by_text(system_name)).to_be_visible()
    tour.check("system-account-created")
    home = button(tour, "Create my $HOME", controller_section(tour))
    if home.count():  # only where the site has scm.storage_mgmt on
        tour.activate(home)
        tour.page.wait_for_load_state("load")
        tour.check("home-created")


def add_ssh_key(tour: Tour, key_line: str) -> None:
    section = controller_section(tour)
    tour.fill(section.get_by_label("Add an SSH public key"), key_line)
    tour.activate(button(tour, "Add key", section))
    tour.page.wait_for_load_state("load")
    tour.check("ssh-key-added")


def create_group(tour: Tour, group_name: str) -> None:
    section = controller_section(tour)
    tour.fill(section.get_by_label("New group name"), group_name)
    tour.activate(button(tour, "Create group", section))
    tour.page.wait_for_load_state("load")
    tour.check("group-created")


def node_cards(tour: Tour):
    return controller_section(tour).get_by_role("article")


def create_node(tour: Tour) -> str:
    """Create a login node (the first VM type and image offered); returns its SCM id."""
    go(tour, "Manage My Login Nodes", "nodes")
    before = set(node_ids(tour))
    tour.activate(controller_section(tour).get_by_role("link", name="+ Create a Login Node"))
    tour.page.wait_for_load_state("load")
    tour.check("node-create")
    for label in ("VM type", "Image"):
        select = tour.page.get_by_label(label)
        first = select.locator("option").nth(1).inner_text()
        tour.select(select, first)
    tour.activate(button(tour, "Create"))
    tour.page.wait_for_load_state("load")
    tour.check("node-created")
    new = [i for i in node_ids(tour) if i not in before]
    assert len(new) == 1, f"expected one new node, saw {new}"
    return new[0]


def node_ids(tour: Tour) -> list[str]:
    return [
        a.removeprefix("node-")
        for a in tour.page.locator("article[id^=node-]").evaluate_all("es => es.map(e => e.id)")
    ]


def node(tour: Tour, node_id: str):
    return tour.page.locator(f"#node-{node_id}")


def status_of(tour: Tour, node_id: str) -> str:
    return node(tour, node_id).get_by_role("status").inner_text().strip()


def watch_status_live(tour: Tour, node_id: str, until: str, timeout: float = 60.0) -> list[str]:
    """Wait for the node's status to become ``until`` on the page as shown: the labels the
    page's script writes into the open document, before any reload, are recorded in
    sessionStorage (which survives the reload the script does once the node settles) by a
    MutationObserver of that document only. Returns those labels."""
    tour.page.evaluate(
        """id => {
            sessionStorage.setItem('scm-live-' + id, '[]');
            const badge = document.querySelector('#node-' + id + ' [role=status]');
            new MutationObserver(() => {
                const key = 'scm-live-' + id;
                const log = JSON.parse(sessionStorage.getItem(key));
                log.push(badge.textContent.trim());
                sessionStorage.setItem(key, JSON.stringify(log));
            }).observe(badge, {childList: true, characterData: true, subtree: true});
        }""",
        node_id,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tour.page.wait_for_timeout(250)
        try:
            live = json.loads(
                tour.page.evaluate("id => sessionStorage.getItem('scm-live-' + id)", node_id)
            )
        except PlaywrightError:  # the document is being replaced (the script's reload)
            continue
        if until in live:
            tour.page.wait_for_load_state("load")
            return live
    raise AssertionError(
        f"node {node_id} never showed {until!r} live; now {status_of(tour, node_id)}"
    )


def power(tour: Tour, node_id: str, action: str) -> None:
    """``action``: "Power off" (the page asks for a confirmation) or "Power on"."""
    with tour.page.expect_navigation():  # the new document, not the old one's "load" (see go)
        tour.activate(node(tour, node_id).get_by_role("button", name=re.compile("^" + action)))
    tour.page.wait_for_load_state("load")
    tour.check(action.lower().replace(" ", "-"))


def delete_node(tour: Tour, node_id: str) -> None:
    tour.activate(node(tour, node_id).get_by_role("link", name=re.compile("^Delete")))
    tour.page.wait_for_load_state("load")
    expect(tour.page.get_by_role("alert")).to_contain_text("cannot be undone")
    tour.check("node-delete-confirm")
    tour.activate(tour.page.get_by_role("button", name=re.compile("^Delete")))
    tour.page.wait_for_load_state("load")
    tour.check("node-deleted")
