"""(c) Script payloads in every field a user controls are shown as text and never run.

Three ways a payload could run, each watched: an ``alert()`` dialog (the Tour fails the test on
any dialog but the portal's own confirmations), a script the Content-Security-Policy refused (a
console message: markup reached the page unescaped and only the policy stopped it), and the
payload's elements present in the DOM. Login node hostnames are not user-controlled here (the
controller makes them from its prefix and the node's id), so they have no field to fill."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser import steps

PAYLOAD = "<img src=x id=scm-xss onerror=alert(1)><script>alert(2)</script>"


def assert_inert(tour, where: str) -> None:
    """The payload is on the page as text, and none of its markup is in the DOM."""
    assert tour.page.locator("#scm-xss").count() == 0, f"payload markup in the DOM on {where}"
    scripts = tour.page.locator("script").evaluate_all("es => es.map(e => e.textContent)")
    assert not [s for s in scripts if "alert(" in s], f"payload script in the DOM on {where}"
    expect(tour.page.get_by_text(PAYLOAD).first).to_be_visible()


def test_c_script_payloads_are_shown_as_text_and_never_run(system, open_tour):
    tag = uuid.uuid4().hex[:6]
    owner_email = f"xss-{tag}@example.com"
    system.create_user(owner_email, "owner password 1", roles=["account_owner"])
    tour = open_tour()

    # The login form keeps what was typed in the login field.
    tour.page.goto(system.portal + "/login")
    tour.fill(tour.page.get_by_label("Email or username"), PAYLOAD)
    tour.fill(tour.page.get_by_label("Password", exact=True), "wrong password")
    tour.activate(steps.button(tour, "Log in"))
    tour.page.wait_for_load_state("load")
    tour.check("login-refused")
    assert tour.page.get_by_label("Email or username").input_value() == PAYLOAD

    steps.log_in(tour, system.portal, owner_email, "owner password 1", start="/users")
    tour.check("users")
    # A managed user's name: the list and the user's own page.
    steps.create_managed_user(tour, PAYLOAD, f"xss-member-{tag}@example.com", "member pw 123")
    assert_inert(tour, "Manage My Users")
    tour.activate(tour.page.get_by_role("link", name=f"xss-member-{tag}@example.com"))
    tour.page.wait_for_load_state("load")
    tour.check("user-item")
    assert_inert(tour, "the managed user's page")

    # An SSH key comment, and a UNIX group name (refused by the controller: the message and the
    # field keep the text).
    steps.create_system_account(tour, f"x{tag}")
    steps.add_ssh_key(tour, steps.ssh_public_key(PAYLOAD))
    assert_inert(tour, "the SSH keys")
    steps.create_group(tour, PAYLOAD)
    group_field = steps.controller_section(tour).get_by_label("New group name")
    assert group_field.input_value() == PAYLOAD
    assert tour.page.locator("#scm-xss").count() == 0

    # My Profile: the user's own name, shown back on the page.
    steps.go(tour, "My Profile", "profile")
    name = tour.page.get_by_label("Name", exact=True)
    tour.fill(name, PAYLOAD)
    tour.activate(steps.button(tour, "Save details"))
    tour.page.wait_for_load_state("load")
    tour.check("profile-saved")
    assert tour.page.get_by_label("Name", exact=True).input_value() == PAYLOAD
    assert tour.page.locator("#scm-xss").count() == 0
