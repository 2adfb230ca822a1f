"""The journeys of issue 11 in a real browser, on the whole demo system.

(a) the newcomer, from the default admin password to a login node created, powered off and on
and deleted; (b) an account owner granting a managed user *Activate Instance*, who powers the node
off and on and is refused its deletion in plain words (driven by the keyboard alone)."""

from __future__ import annotations

import uuid

import requests
from playwright.sync_api import expect

from tests.browser import steps

OWNER_PASSWORD = "owner password 1"
USER_PASSWORD = "member password 1"


def grant_account_owner(system, email: str) -> None:
    """The account_owner role, through Cloud Auth's API as the admin (the portal has no page
    for roles yet: superuser mode is issue 12)."""
    admin = system.api_login("admin", system.settle_admin_password())
    roles = requests.get(system.auth + "/role/list", headers=admin["headers"], timeout=10).json()
    role = next(r for r in roles["data"]["roles"] if r["name"] == "account_owner")
    users = requests.get(
        system.auth + "/user/list", params={"email": email}, headers=admin["headers"], timeout=10
    ).json()["data"]
    userid = next(u["id"] for u in users["users"] if u["email"] == email)
    response = requests.post(
        f"{system.auth}/role/add_user/{role['id']}",
        data={"user_id": userid},
        headers=admin["headers"],
        timeout=10,
    )
    assert response.status_code == 200, response.text


def test_a_newcomer_from_first_login_to_a_deleted_login_node(system, open_tour):
    assert system.admin_password == "Penguin", "this journey needs the demo's first login"
    tour = open_tour()
    page = tour.page

    steps.log_in(tour, system.portal, "admin", "Penguin")
    # The forced change comes before any other page: asking for one shows the form again.
    page.goto(system.portal + "/nodes")
    steps.change_default_password(tour, "Penguin")
    system.admin_password = steps.NEW_PASSWORD
    expect(page.get_by_role("navigation", name="Portal menu")).to_be_visible()
    tour.check("after-password-change")

    owner = f"owner-{uuid.uuid4().hex[:6]}@example.com"
    steps.create_managed_user(tour, "Olive Owner", owner, OWNER_PASSWORD)
    grant_account_owner(system, owner)
    steps.log_out(tour)

    steps.log_in(tour, system.portal, owner, OWNER_PASSWORD)
    tour.check("owner-home")
    steps.create_system_account(tour, "olive")
    steps.add_ssh_key(tour, steps.ssh_public_key("olive@laptop"))
    expect(steps.controller_section(tour).get_by_text("olive@laptop", exact=True)).to_be_visible()

    node_id = steps.create_node(tour)
    assert steps.status_of(tour, node_id) in ("Building", "Booting", "Configuring")
    live = steps.watch_status_live(tour, node_id, "Running")
    assert live[-1] == "Running", live
    tour.check("node-running")

    steps.power(tour, node_id, "Power off")
    assert tour.confirmations and tour.confirmations[-1].startswith("Power off")
    steps.watch_status_live(tour, node_id, "Off (disk kept)")
    steps.power(tour, node_id, "Power on")
    steps.watch_status_live(tour, node_id, "Running")

    steps.delete_node(tour, node_id)
    expect(page.get_by_role("status").filter(has_text="is being deleted")).to_be_visible()
    tour.activate(
        steps.controller_section(tour).get_by_role("link", name="View deleted instances")
    )
    tour.check("deleted-instances")
    steps.log_out(tour)
