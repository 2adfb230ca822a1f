"""Issue 12, registration: a visitor registers through the link mailed to a real SMTP sink and
logs in for the first time; forgets the password and sets a new one by mail; under
``registration.type = whitelist`` an unlisted address is refused until the superuser lists it on
Manage Whitelist. Every page is screenshotted and checked with axe-core (tour.check)."""

from __future__ import annotations

import shutil
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.system import REPO, DemoSystem

PASSWORD = "my registered pw 1"


def register_by_mail(tour, portal: str, mail_sink, email: str, name: str) -> None:
    tour.page.goto(portal + "/login")
    tour.check("login")
    tour.activate(tour.page.get_by_role("link", name="Register"))
    tour.page.wait_for_load_state("load")
    tour.check("register")
    tour.fill(tour.page.get_by_label("Email address"), email)
    tour.activate(steps.button(tour, "Send me a link"))
    tour.page.wait_for_load_state("load")
    expect(tour.page.get_by_role("heading", name="Check your mail")).to_be_visible()
    tour.check("register-sent")
    link = mail_sink.link(mail_sink.wait_for(email), "/register/")
    assert link.startswith(portal + "/register/")
    tour.page.goto(link)
    expect(tour.page.get_by_role("heading", name="Finish registering")).to_be_visible()
    tour.check("register-form")
    tour.fill(tour.page.get_by_label("Your name"), name)
    tour.fill(tour.page.get_by_label("Password", exact=True), PASSWORD)
    tour.fill(tour.page.get_by_label("Password again"), PASSWORD)
    tour.activate(steps.button(tour, "Create my account"))
    tour.page.wait_for_load_state("load")
    expect(tour.page.get_by_text("Your account is ready")).to_be_visible()
    tour.check("registered")


def test_self_registration_through_the_mail_to_a_first_login(system, mail_sink, open_tour):
    email = f"reg-{uuid.uuid4().hex[:8]}@example.edu"
    tour = open_tour()
    register_by_mail(tour, system.portal, mail_sink, email, "Grace Hopper")
    steps.log_in(tour, system.portal, email, PASSWORD)
    expect(tour.page.get_by_role("heading", name="My Login Nodes")).to_be_visible()
    tour.check("first-login")
    expect(tour.page.get_by_text(email).first).to_be_visible()
    # The demo's default_user_role is account_owner: Manage My Users is offered.
    expect(
        tour.page.get_by_role("navigation").get_by_role("link", name="Manage My Users")
    ).to_be_visible()
    # The link is spent.
    link = mail_sink.link(mail_sink.wait_for(email), "/register/")
    tour.page.goto(link)
    expect(tour.page.get_by_role("heading", name="This link was already used")).to_be_visible()
    tour.check("link-used")


def test_password_reset_by_mail(system, mail_sink, open_tour):
    email = f"reset-{uuid.uuid4().hex[:8]}@example.edu"
    system.create_user(email, "forgotten pw 1")
    tour = open_tour()
    tour.page.goto(system.portal + "/login")
    tour.activate(tour.page.get_by_role("link", name="Forgot your password?"))
    tour.page.wait_for_load_state("load")
    tour.check("forgot")
    tour.fill(tour.page.get_by_label("Email address"), email)
    tour.activate(steps.button(tour, "Send me a reset link"))
    tour.page.wait_for_load_state("load")
    tour.check("forgot-sent")
    link = mail_sink.link(mail_sink.wait_for(email), "/password/reset/")
    tour.page.goto(link)
    tour.check("reset-form")
    tour.fill(tour.page.get_by_label("New password", exact=True), "short")
    tour.fill(tour.page.get_by_label("New password again"), "short")
    tour.activate(steps.button(tour, "Set my password"))
    tour.page.wait_for_load_state("load")
    expect(tour.page.get_by_text("Use at least 8 characters.")).to_be_visible()
    tour.check("reset-form-error")
    tour.fill(tour.page.get_by_label("New password", exact=True), PASSWORD)
    tour.fill(tour.page.get_by_label("New password again"), PASSWORD)
    tour.activate(steps.button(tour, "Set my password"))
    tour.page.wait_for_load_state("load")
    expect(tour.page.get_by_text("Your password is changed")).to_be_visible()
    tour.check("reset-done")
    steps.log_in(tour, system.portal, email, PASSWORD)
    expect(tour.page.get_by_role("heading", name="My Login Nodes")).to_be_visible()
    tour.check("login-after-reset")


@pytest.fixture(scope="module")
def whitelist_system(tmp_path_factory, mail_sink, playwright_api):
    """A second demo whose portal has registration.type = whitelist."""
    ini_dir = tmp_path_factory.mktemp("whitelist-ini")
    for ini in (REPO / "ini" / "demo").glob("*.ini"):
        shutil.copy(ini, ini_dir / ini.name)
    portal_ini = ini_dir / "cloudportal.ini"
    text = portal_ini.read_text()
    assert "\nregistration.type =\n" in text
    portal_ini.write_text(
        text.replace("\nregistration.type =\n", "\nregistration.type = whitelist\n")
    )
    demo = DemoSystem.start(
        tmp_path_factory.mktemp("whitelist-demo"),
        extra_args=("--ini-dir", str(ini_dir), "--smtp-port", str(mail_sink.port)),
    )
    yield demo
    demo.stop()


def test_whitelist_refusal_and_the_manage_whitelist_page(whitelist_system, mail_sink, open_tour):
    portal = whitelist_system.portal
    tag = uuid.uuid4().hex[:8]
    email = f"ann-{tag}@example.edu"
    visitor = open_tour(label="visitor")
    visitor.page.goto(portal + "/register")
    visitor.fill(visitor.page.get_by_label("Email address"), email)
    visitor.activate(steps.button(visitor, "Send me a link"))
    visitor.page.wait_for_load_state("load")
    expect(visitor.page.get_by_text("this one is not on it")).to_be_visible()
    visitor.check("register-refused")
    assert mail_sink.messages_to(email) == []

    admin = open_tour(label="admin")
    steps.log_in(admin, portal, "admin", "Penguin")
    steps.change_default_password(admin, "Penguin")
    admin.check("nodes")
    steps.go(admin, "Manage Whitelist", "whitelist")
    entries = admin.page.get_by_label("Addresses or domains, one per line")
    admin.fill(entries, f"{email}\nnot an address\n@{tag}.example.org")
    admin.activate(steps.button(admin, "Add to the whitelist"))
    admin.page.wait_for_load_state("load")
    expect(admin.page.get_by_text("Nothing was added")).to_be_visible()
    expect(admin.page.get_by_text("Line 2:")).to_be_visible()
    admin.check("whitelist-line-error")
    admin.fill(
        admin.page.get_by_label("Addresses or domains, one per line"),
        f"{email}\n@{tag}.example.org",
    )
    admin.activate(steps.button(admin, "Add to the whitelist"))
    admin.page.wait_for_load_state("load")
    expect(admin.page.get_by_text(f"Added 2: {email}, @{tag}.example.org.")).to_be_visible()
    admin.check("whitelist-added")
    admin.fill(admin.page.get_by_label("Search"), tag)
    admin.activate(steps.button(admin, "Search"))
    admin.page.wait_for_load_state("load")
    expect(admin.page.get_by_text("On the list (2)")).to_be_visible()
    admin.check("whitelist-search")
    admin.activate(admin.page.get_by_label(f"Remove @{tag}.example.org"))
    admin.activate(steps.button(admin, "Remove the checked entries"))
    admin.page.wait_for_load_state("load")
    expect(admin.page.get_by_text(f"Removed 1: @{tag}.example.org.")).to_be_visible()
    admin.check("whitelist-removed")

    # Now listed, the same address registers.
    register_by_mail(visitor, portal, mail_sink, email, "Ann Listed")
