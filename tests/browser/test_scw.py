"""SCW Login in Chromium (seed 1.8.9, docs/scw.md): on the demo system, a node whose image is a
Scyld Cloud Workstation image shows the button; it opens a new tab that signs the user in on the
workstation (a stand-in SCW node on loopback, tests/scw_workstation.py, which checks the token
with Cloud Auth exactly as an SCW node does); the same token posted again is refused. Once with
the portal's script (the hand-off form is sent at once), once without JavaScript (a button)."""

from __future__ import annotations

import html
import time
import uuid
from dataclasses import dataclass

import pytest
import requests
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.tour import Tour
from tests.cloudcontroller.instances.simulator_admin import make_image
from tests.scw_workstation import StandInWorkstation

PASSWORD = "scw user password 1"


@dataclass
class ScwSite:
    workstation: StandInWorkstation
    image: str


@dataclass
class _SimState:
    state: str


@pytest.fixture(scope="module")
def scw_site(system):
    """The SCW admin account (role scw_admin, an API key) made through Cloud Auth's API, the
    stand-in workstation holding its key and secret, and an SCW image in the demo's cloud."""
    admin = system.api_login("admin", system.settle_admin_password())
    email = f"scw-admin-{uuid.uuid4().hex[:6]}@example.com"
    userid = system.create_user(email, "scw admin password 1", roles=["scw_admin"])
    keys = requests.post(
        f"{system.auth}/api_key/create/{userid}", headers=admin["headers"], timeout=10
    ).json()["data"]
    workstation = StandInWorkstation(system.auth, keys["api_key"], keys["api_secret"])
    image = make_image(
        _SimState(str(system.var_dir / "openstack-sim.sqlite")),
        "scw-browser",
        "public",
        service_url=f"{workstation.url}/scw/{{}}/",
    )
    yield ScwSite(workstation, image)
    workstation.close()


def running_scw_node(system, site: ScwSite, email: str) -> str:
    """Set-up through the APIs: the user, their system account and $HOME, and a node on the SCW
    image, ACTIVE. Returns the node's id."""
    system.create_user(email, PASSWORD)
    me = system.api_login(email, PASSWORD)
    api = requests.Session()
    api.headers.update(me["headers"])
    name = "s" + uuid.uuid4().hex[:8]
    account = api.post(f"{system.controller}/user", json={"system-name": name}, timeout=10)
    assert account.status_code == 201, account.text
    volume = api.post(
        f"{system.controller}/storage-volume",
        json={"user-id": account.json()["data"]["user-id"]},
        timeout=30,
    )
    assert volume.status_code in (200, 201), volume.text
    flavor = api.get(f"{system.controller}/server-flavor", timeout=10).json()["data"][0]["id"]
    created = api.post(
        f"{system.controller}/server-instance",
        json={"server-flavor": flavor, "server-image": site.image},
        timeout=30,
    )
    assert created.status_code in (200, 201, 202), created.text
    node = created.json()["data"]["id"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status = api.get(f"{system.controller}/server-instance/{node}", timeout=10).json()
        if status["data"]["status"] == "ACTIVE":
            return node
        time.sleep(0.5)
    raise AssertionError(f"node {node} never became ACTIVE: {status}")


def scw_button(tour: Tour, node: str):
    return steps.node(tour, node).get_by_role("button", name="SCW Login")


def replay(tab, workstation_url: str, fields: dict) -> None:
    """Post the used token again, as a copied form or the browser's history would."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    tab.set_content(
        f'<form method="post" action="{html.escape(workstation_url)}">{inputs}'
        '<button type="submit">Send again</button></form>'
    )
    with tab.expect_navigation():
        tab.get_by_role("button", name="Send again").click()


def test_scw_login_signs_in_on_the_workstation_and_a_replay_is_refused(
    system, open_tour, scw_site, shots_dir
):
    email = f"scw-{uuid.uuid4().hex[:6]}@example.com"
    node = running_scw_node(system, scw_site, email)
    tour = open_tour()
    steps.log_in(tour, system.portal, email, PASSWORD, start="/nodes")
    tour.check("nodes-with-scw")
    before = len(scw_site.workstation.attempts)

    with tour.page.expect_popup() as opened:
        tour.activate(scw_button(tour, node))
    tab = opened.value
    tab.wait_for_url(f"{scw_site.workstation.url}/desktop")
    expect(tab.get_by_role("heading")).to_have_text("Scyld Cloud Workstation")
    expect(tab.locator("#message")).to_have_text(f"Signed in to the workstation as {email}.")
    tab.screenshot(path=str(shots_dir / "scw-workstation-desktop.png"), full_page=True)
    attempts = scw_site.workstation.attempts[before:]
    assert [(a.ok, a.email) for a in attempts] == [(True, email)]
    signed_in_with = attempts[0].token
    # The token reached the workstation in the POST body: the tab's URL never held it.
    assert signed_in_with not in tab.url

    workstation_url = scw_site.workstation.url + "/scw/"
    public_ip = steps.node(tour, node).locator(".portal-public-ip").inner_text().strip()
    fields = {"auth_token": signed_in_with, "email": email}
    replay(tab, f"{workstation_url}{public_ip}/", fields)
    expect(tab.get_by_role("heading")).to_have_text("Sign-in refused")
    expect(tab.locator("#message")).to_contain_text("already used")
    tab.screenshot(path=str(shots_dir / "scw-workstation-replay-refused.png"), full_page=True)
    assert not scw_site.workstation.attempts[-1].ok
    tab.close()


def test_scw_login_without_the_portals_script_is_a_button(system, open_tour, scw_site):
    """The portal's only script (portal.js; the CSP allows no other) is withheld: the hand-off
    page stays, and its button sends the form. (Chromium with JavaScript off would do the same,
    but axe-core, which checks every page, needs JavaScript.)"""
    email = f"scw-nojs-{uuid.uuid4().hex[:6]}@example.com"
    node = running_scw_node(system, scw_site, email)
    tour = open_tour()
    tour.page.context.route(
        "**/static/portal.js",
        lambda route: route.fulfill(
            status=200, content_type="application/javascript", body="// withheld"
        ),
    )
    steps.log_in(tour, system.portal, email, PASSWORD, start="/nodes")
    tour.check("nodes-with-scw")
    with tour.page.expect_popup() as opened:
        tour.activate(scw_button(tour, node))
    tab = opened.value
    tab.wait_for_load_state("load")
    tour.page = tab  # the new tab: checked like any portal page (screenshot, axe-core)
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Signing you in to")
    expect(tab.get_by_text(f"It signs you in as {email}")).to_be_visible()
    tour.check("scw-handoff")
    with tab.expect_navigation():
        tour.activate(tab.get_by_role("button", name="Continue to the workstation"))
    expect(tab.locator("#message")).to_have_text(f"Signed in to the workstation as {email}.")
