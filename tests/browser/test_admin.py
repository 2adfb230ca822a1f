"""Superuser mode in Chromium (issue 12): the superuser finds a user on Administration > Users,
views the portal as them (a banner naming both on every page), changes their profile and makes
their system account, stops, and finds both changes in the Audit Log under both names."""

from __future__ import annotations

import re
import uuid

import requests
from playwright.sync_api import expect

from tests.browser import steps


def admin_link(tour, name: str, shot: str) -> None:
    """A link of the sidebar's Administration section (exact names: "Users" is also a part of
    "Manage My Users")."""
    link = tour.page.get_by_role("navigation", name="Portal menu").get_by_role(
        "link", name=name, exact=True
    )
    with tour.page.expect_navigation():
        tour.activate(link)
    tour.page.wait_for_load_state("load")
    tour.check(shot)


def banner(tour):
    return tour.page.get_by_role("status").filter(has_text="are viewing the portal as")


def test_masquerade_changes_are_audited_under_both_names(system, open_tour):
    tag = uuid.uuid4().hex[:6]
    su_email, alice_email = f"su-{tag}@example.com", f"alice-{tag}@example.com"
    system.create_user(su_email, "superuser pw 12", roles=["superuser"])
    alice_id = system.create_user(alice_email, "alice password 1", roles=["account_owner"])
    tour = open_tour()
    steps.log_in(tour, system.portal, su_email, "superuser pw 12")
    tour.check("nodes-as-superuser")

    admin_link(tour, "Users", "admin-users")
    tour.fill(tour.page.get_by_label("Find by email, name or login"), f"alice-{tag}")
    tour.activate(steps.button(tour, "Search"))
    tour.page.wait_for_load_state("load")
    tour.check("admin-users-found")
    expect(tour.page.get_by_text("1 found · page 1 of 1")).to_be_visible()
    tour.activate(tour.page.get_by_role("link", name=alice_email))
    tour.page.wait_for_load_state("load")
    tour.check("admin-user")

    tour.activate(steps.button(tour, f"View the portal as {alice_email}"))
    tour.page.wait_for_load_state("load")
    tour.check("viewing-as-nodes")
    expect(banner(tour)).to_contain_text(su_email)
    expect(banner(tour)).to_contain_text(alice_email)
    menu = tour.page.get_by_role("navigation", name="Portal menu")
    expect(menu.get_by_role("link", name="Audit Log")).to_have_count(0)  # alice's menu

    # A change at Cloud Auth (her profile) and one at the controller (her system account).
    steps.go(tour, "My Profile", "viewing-as-profile")
    expect(banner(tour)).to_be_visible()
    tour.fill(tour.page.get_by_label("Name", exact=True), f"Alice {tag}")
    tour.activate(steps.button(tour, "Save details"))
    tour.page.wait_for_load_state("load")
    tour.check("viewing-as-profile-saved")
    steps.create_system_account(tour, f"al{tag}")
    expect(banner(tour)).to_be_visible()

    tour.activate(steps.button(tour, f"Stop viewing as {alice_email}"))
    tour.page.wait_for_load_state("load")
    tour.check("stopped-viewing")
    expect(banner(tour)).to_have_count(0)
    expect(tour.page.get_by_text(f"You stopped viewing as {alice_email}.")).to_be_visible()

    admin_link(tour, "Audit Log", "audit-log")
    tour.fill(tour.page.get_by_label("Who (email or user id)"), alice_email)
    tour.activate(tour.page.get_by_label("Only changes made while viewing as someone"))
    tour.activate(steps.button(tour, "Filter"))
    tour.page.wait_for_load_state("load")
    tour.check("audit-log-masquerade")
    rows = tour.page.get_by_role("row")
    both = f"{su_email} viewing as {alice_email}"
    expect(rows.filter(has_text="user.updated").filter(has_text=both)).to_have_count(1)
    # the system account, and the $HOME volume where the demo manages storage
    changes = rows.filter(has_text="masquerade.change").filter(has_text=both)
    account = re.compile(r"cloudcontroller 1: POST (/v1)?/user -> 201")
    expect(changes.filter(has_text=account)).to_have_count(1)
    expect(rows.filter(has_text="masquerade.ended").filter(has_text=both)).to_have_count(1)

    # The masquerade token is revoked: Cloud Auth's own record agrees with the page.
    admin = system.api_login(su_email, "superuser pw 12")
    events = requests.get(
        system.auth + "/audit/list",
        params={"userid": alice_id, "masquerade": "true"},
        headers=admin["headers"],
        timeout=10,
    ).json()["data"]["events"]
    assert {e["event"] for e in events} >= {"user.updated", "masquerade.change"}
    assert all(e["masquerader_userid"] for e in events)


def test_all_login_nodes_and_controllers_pages(system, open_tour):
    tag = uuid.uuid4().hex[:6]
    su_email = f"su2-{tag}@example.com"
    system.create_user(su_email, "superuser pw 12", roles=["superuser"])
    tour = open_tour()
    steps.log_in(tour, system.portal, su_email, "superuser pw 12")
    tour.check("nodes-as-superuser")
    admin_link(tour, "All Login Nodes", "admin-nodes")
    expect(tour.page.get_by_role("heading", name="All Login Nodes")).to_be_visible()
    admin_link(tour, "Cloud Controllers", "admin-controllers")
    tour.fill(tour.page.get_by_label("Id"), "not a number")
    tour.fill(tour.page.get_by_label("Name", exact=True), f"Lab {tag}")
    tour.activate(steps.button(tour, "Register"))
    tour.page.wait_for_load_state("load")
    tour.check("admin-controllers-error")
    expect(tour.page.get_by_text("Leave it empty, or give a whole number")).to_be_visible()
