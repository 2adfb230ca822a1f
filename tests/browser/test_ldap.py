"""Issue 12, LDAP (seed 1.8.3), in Chromium against a real slapd: a portal with
``userauth.driver = ldap`` in front of a Cloud Auth whose ``ldap.*`` settings point at the
test's own slapd (scm-users required) and a controller with ``users.driver = ldap`` and
``ldap.uname_attr = employeeType``. Alice logs in with her directory username and lands on the
portal, her system account made on the controller and named from the directory attribute
(``cloud``, not her uid); Bob, outside the required group, gets the plain refusal. Every page is
screenshotted under var/browser/ and checked with axe-core (tour.check).

Its own small stack, not the shared demo (the demo's portal registers by email). Skips without
/usr/sbin/slapd (fails under SCM_REQUIRE_ALL_TIERS=1)."""

from __future__ import annotations

import contextlib
import threading

import pytest
import requests
from playwright.sync_api import expect
from waitress.server import create_server

from cloudportal import main as portal_main
from common.db import make_engine
from common.migrations import upgrade
from openstack_simulator.testing import SimulatorProcess
from tests import live
from tests.browser import steps
from tests.cloudportal.conftest import portal_settings, start_controller
from tests.conftest import skip_or_fail


@pytest.fixture(scope="module")
def ldap_site(tmp_path_factory, playwright_api):
    from tests.cloudauth.ldap.slapd import slapd_missing, start_slapd

    reason = slapd_missing()
    if reason is not None:
        skip_or_fail(reason)
    with contextlib.ExitStack() as cleanup:
        directory = start_slapd(tmp_path_factory.mktemp("browser-slapd"))
        cleanup.callback(directory.stop)
        cache = live.shared_cache()
        cloudauth = live.LiveCloudAuth(
            f"sqlite:///{tmp_path_factory.mktemp('browser-ldap-auth')}/cloudauth.sqlite",
            cache,
            **directory.raw_settings(require_group=directory.group_dn),
        )
        cleanup.callback(cloudauth.close)
        simulator = cleanup.enter_context(
            SimulatorProcess(tmp_path_factory.mktemp("browser-ldap-sim") / "state.sqlite")
        )
        cc, stop_cc = start_controller(
            tmp_path_factory,
            cloudauth,
            simulator,
            cache,
            **{
                "users.driver": "ldap",
                "storage.driver": "none",
                **directory.raw_settings(uname_attr="employeeType"),
            },
        )
        cleanup.callback(stop_cc)
        db_url = f"sqlite:///{tmp_path_factory.mktemp('browser-ldap-portal')}/portal.sqlite"
        engine = make_engine({"sqlalchemy.url": db_url})
        upgrade("cloudportal", engine)
        engine.dispose()
        settings = portal_settings(
            db_url,
            cloudauth,
            cc,
            0,
            **{"userauth.driver": "ldap", "scm.storage_mgmt": "false", "site.url": ""},
        )
        for key in [k for k in settings if k.startswith("cloudcon.2.") or k == "site.url"]:
            del settings[key]
        server = create_server(
            portal_main({}, **settings),
            host="127.0.0.1",
            port=live.free_port(),
            threads=4,
            asyncore_use_poll=True,
        )
        thread = threading.Thread(target=_quiet(server.run), daemon=True)
        thread.start()
        cleanup.callback(server.close)
        yield cloudauth, cc, f"http://127.0.0.1:{server.effective_port}"


def _quiet(run):
    def serve():
        with contextlib.suppress(OSError):
            run()

    return serve


def _users(cloudauth, email: str) -> list[dict]:
    users = cloudauth.get("/user/list", cloudauth.admin, show_inactive="true", limit="10000")
    return [u for u in users["users"] if u["email"].lower() == email.lower()]


def _ldap_log_in(tour, portal: str, username: str, password: str) -> None:
    tour.page.goto(portal + "/login")
    tour.check("login")
    # The LDAP login form asks for the site username, and offers no Register link.
    expect(tour.page.get_by_role("link", name="Register")).to_have_count(0)
    tour.fill(tour.page.get_by_label("Username"), username)
    tour.fill(tour.page.get_by_label("Password", exact=True), password)
    tour.activate(steps.button(tour, "Log in"))
    tour.page.wait_for_load_state("load")


def test_an_ldap_first_login_lands_on_the_portal_with_the_system_account_made(ldap_site, open_tour):
    cloudauth, cc, portal = ldap_site
    email = "alice.liddell@example.test"
    assert _users(cloudauth, email) == []
    tour = open_tour()
    _ldap_log_in(tour, portal, "alice", "alice-pw")
    expect(tour.page.get_by_role("heading", name="My Login Nodes")).to_be_visible()
    assert tour.page.url == portal + "/nodes"
    # named from ldap.uname_attr (employeeType: "cloud"), not from the uid "alice"
    expect(tour.page.get_by_role("status").first).to_contain_text(
        "Set up for you: system account cloud on Penguin West"
    )
    tour.check("first-login")
    [user] = _users(cloudauth, email)
    assert user["registration_source"] == "ldap"
    answer = requests.get(
        cc.url + "/v1/user",
        params={"cloudauth-id": user["id"]},
        headers=cloudauth.admin.headers,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert [a["system-name"] for a in answer.json()["data"]] == ["cloud"]

    # My Profile: the directory's name and email, read-only, and no password form.
    steps.go(tour, "My Profile", "profile")
    expect(tour.page.get_by_text("Alice Liddell")).to_be_visible()
    expect(tour.page.get_by_text("change them there;")).to_be_visible()
    expect(tour.page.get_by_label("Email")).to_have_count(0)
    expect(tour.page.get_by_label("Current password")).to_have_count(0)

    # The next login finds everything in place: nothing made twice.
    tour.activate(steps.button(tour, "Log out"))
    tour.page.wait_for_load_state("load")
    _ldap_log_in(tour, portal, "alice", "alice-pw")
    expect(tour.page.get_by_role("heading", name="My Login Nodes")).to_be_visible()
    assert "Set up for you" not in tour.page.content()
    assert len(_users(cloudauth, email)) == 1


def test_a_directory_user_outside_the_required_group_gets_a_plain_refusal(ldap_site, open_tour):
    cloudauth, _, portal = ldap_site
    tour = open_tour()
    _ldap_log_in(tour, portal, "bob", "bob-pw")
    expect(tour.page.get_by_role("heading", name="Access refused")).to_be_visible()
    expect(tour.page.get_by_text("not allowed to use SCM")).to_be_visible()
    # A refusal, not a form to try again.
    expect(tour.page.get_by_label("Password", exact=True)).to_have_count(0)
    tour.check("refused")
    assert _users(cloudauth, "bob@example.test") == []
