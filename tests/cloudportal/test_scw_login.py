"""SCW Login (seed 1.8.9, docs/scw.md): a node whose image has a ``service_url`` shows the
button; the portal mints a one-time Cloud Auth token and hands it to the workstation, here a
stand-in (tests/scw_workstation.py) that checks it with the SCW admin account's own OAuth token,
exactly as an SCW node does. Real HTTP throughout: portal, Cloud Auth, controller, simulator."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from cloudportal.nodes.scw import handoff_policy, workstation_url
from cloudportal.session import KEY_PREFIX
from cloudportal.settings import PortalSettings
from common.settings import ConfigError
from tests.cloudcontroller.instances.simulator_admin import make_image
from tests.cloudportal.conftest import Browser
from tests.cloudportal.test_accounts_and_nodes import node_of, set_up_account
from tests.scw_workstation import StandInWorkstation


@pytest.fixture(scope="module")
def workstation(cloudauth):
    """The stand-in SCW node, holding the key and secret of an scw_admin account."""
    _, key, secret = cloudauth.service_account("scw_admin")
    node = StandInWorkstation(cloudauth.url, key, secret)
    yield node
    node.close()


@pytest.fixture(scope="module")
def scw_image(simulator, workstation):
    """A login-node image marked as SCW, its service_url on the stand-in ("{}": the address)."""
    return make_image(simulator, "scw", "public", service_url=f"{workstation.url}/scw/{{}}/")


@pytest.fixture(scope="module")
def scw_portal(make_portal):
    return make_portal(scw_token_login="true")


def browser_on(app, new_browser, who) -> Browser:
    return new_browser(who, app=app)


@pytest.fixture
def cleanup(controller):
    """``cleanup(who, node)``: the node is deleted at the end of the test (the simulator's
    pool holds ten public IPs for the whole session)."""
    made = []
    yield lambda who, node: made.append((who, node))
    for who, node in made:
        gone = requests.delete(
            f"{controller.url}/server-instance/{node}", headers=who.headers, timeout=30
        )
        assert gone.status_code < 300, gone.text


@pytest.fixture(scope="module")
def running(scw_portal, cloudauth, controller, scw_image):
    """One user with one ACTIVE node on the SCW image, for the tests that only look at it."""
    import time

    import webtest

    from tests.cloudportal.conftest import login

    who = cloudauth.user()
    app = webtest.TestApp(scw_portal.app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    assert login(app, who.email).status_int == 302
    browser = Browser(app)
    set_up_account(browser)
    node = scw_node(browser, None, scw_image)
    deadline = time.monotonic() + 60
    while browser.get(f"/nodes/1/{node}/status").json["status"] != "ACTIVE":
        assert time.monotonic() < deadline, "the SCW node never became ACTIVE"
        time.sleep(0.1)
    yield who, node
    gone = requests.delete(
        f"{controller.url}/server-instance/{node}", headers=who.headers, timeout=30
    )
    assert gone.status_code < 300, gone.text


def scw_node(browser, wait_for, image) -> str:
    """A node on the SCW image (being built). Returns its id."""
    flavor = next(v for v, _, _ in browser.get("/nodes/1/create").forms[1]["flavor"].options if v)
    response = browser.post("/nodes/1/create", {"flavor": flavor, "image": image})
    assert response.status_int == 302, response.text
    node = re.findall(r'id="node-([0-9a-f]{32})"', browser.get("/nodes").text)[0]
    return node


def handoff_form(page) -> tuple[str, dict]:
    form = next(f for f in page.forms.values() if f.action.startswith("http"))
    return form.action, {name: field[0].value for name, field in form.fields.items() if name}


def test_scw_login_hands_a_one_time_token_to_the_workstation(
    scw_portal, new_browser, cloudauth, workstation, scw_image, wait_for, cleanup
):
    who = cloudauth.user()
    browser = browser_on(scw_portal, new_browser, who)
    system_name = set_up_account(browser)
    node = scw_node(browser, wait_for, scw_image)
    cleanup(who, node)

    # Still building: no button yet, and the action says why.
    early = browser.post(f"/nodes/1/{node}/scw")
    assert early.status_int == 302
    page = browser.get("/nodes").text
    assert "SCW Login works once it is running" in page

    status = node_of(browser, wait_for, {"ACTIVE"}, node)
    page = browser.get("/nodes")
    assert f'action="/nodes/1/{node}/scw"' in page.text and "SCW Login" in page.text

    handoff = browser.post(f"/nodes/1/{node}/scw")
    assert handoff.status_int == 200
    action, fields = handoff_form(handoff)
    expected_url = f"{workstation.url}/scw/{status['public_ip']}/"
    assert action == expected_url
    assert "data-autosubmit" in handoff.text
    assert fields["email"] == who.email and fields["userid"] == who.userid
    assert fields["username"] == system_name and fields["server_instance_id"] == node
    assert len(fields["auth_token"]) == 32 and fields["auth_token"] != who.headers["X-Auth-Token"]
    policy = handoff.headers["Content-Security-Policy"]
    assert f"form-action 'self' {workstation.url};" in policy
    assert "script-src 'self';" in policy  # nothing else is relaxed
    assert handoff.headers["Cache-Control"] == "no-store"

    # The browser posts the form to the workstation: signed in.
    desktop = requests.post(action, data=fields, timeout=10)
    assert desktop.status_code == 200, desktop.text
    assert f"Signed in to the workstation as {who.email}" in desktop.text
    assert workstation.attempts[-1].ok and workstation.attempts[-1].email == who.email

    # The same token again (a replay from history, a copied form): refused.
    replay = requests.post(action, data=fields, timeout=10)
    assert replay.status_code == 401
    assert "already used" in replay.text
    assert not workstation.attempts[-1].ok

    # Posted to another workstation than the one it was minted for: refused there.
    other = browser.post(f"/nodes/1/{node}/scw")
    _, again = handoff_form(other)
    elsewhere = requests.post(f"{workstation.url}/scw/198.51.100.9/", data=again, timeout=10)
    assert elsewhere.status_code == 401
    assert "issued for" in elsewhere.text


def test_a_token_checked_by_many_at_once_signs_in_exactly_once(
    scw_portal, new_browser, cloudauth, workstation, running
):
    who, node = running
    browser = browser_on(scw_portal, new_browser, who)
    _, fields = handoff_form(browser.post(f"/nodes/1/{node}/scw"))
    headers = workstation.own_headers()

    def check(_):
        return requests.get(
            cloudauth.url + "/auth/verify_token",
            params={"auth_token": fields["auth_token"], "userid": who.userid},
            headers=headers,
            timeout=15,
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(check, range(8)))
    assert statuses == [200] + [401] * 7


def test_no_button_and_no_token_when_scw_login_is_off(new_browser, running):
    who, node = running
    browser = new_browser(who)  # the shared portal: scw_token_login is off by default
    assert "SCW Login" not in browser.get("/nodes").text
    assert browser.post(f"/nodes/1/{node}/scw").status_int == 404


def test_a_node_without_service_url_has_no_button(
    scw_portal, new_browser, cloudauth, wait_for, cleanup
):
    from tests.cloudportal.test_accounts_and_nodes import create_node

    who = cloudauth.user()
    browser = browser_on(scw_portal, new_browser, who)
    set_up_account(browser)
    node = create_node(browser)  # the plain login-node image
    cleanup(who, node)
    node_of(browser, wait_for, {"ACTIVE"}, node)
    assert f"/nodes/1/{node}/scw" not in browser.get("/nodes").text
    refused = browser.post(f"/nodes/1/{node}/scw")
    assert refused.status_int == 302
    assert "runs no Scyld Cloud Workstation" in browser.get("/nodes").text


def test_an_owner_who_may_not_log_in_gets_no_button_and_no_token(
    scw_portal, new_browser, cloudauth, owner, workstation, scw_image, wait_for, cleanup
):
    """The account owner manages a managed user's node but is not on its ACL: the workstation
    would not take them, and the portal mints nothing for them."""
    managed = cloudauth.user(owner=owner)
    mine = browser_on(scw_portal, new_browser, managed)
    set_up_account(mine)
    node = scw_node(mine, wait_for, scw_image)
    cleanup(managed, node)
    node_of(mine, wait_for, {"ACTIVE"}, node)
    boss = browser_on(scw_portal, new_browser, owner)
    page = boss.get("/nodes")
    assert f'id="node-{node}"' in page.text
    assert f"/nodes/1/{node}/scw" not in page.text
    before = len(workstation.attempts)
    assert boss.post(f"/nodes/1/{node}/scw").status_int == 404
    assert len(workstation.attempts) == before


def masquerade(app, browser: Browser, real) -> None:
    """Put the shared masquerade contract (common.md) into the browser's session: the
    superuser's identity under ``masquerade``, the viewed user's at the top level."""
    cache = app.app.registry["scm.portal.cache"]
    key = KEY_PREFIX + browser.app.cookies["scm_portal"]
    record = cache.get(key)
    record["data"]["masquerade"] = {
        "userid": real.userid,
        "email": real.email,
        "name": "Administrator",
        "token": real.headers["X-Auth-Token"],
        "roles": ["superuser"],
    }
    cache.set(key, record, 600)


@pytest.mark.parametrize("allowed", [False, True])
def test_masquerade_disables_scw_login_unless_allowed(
    make_portal, new_browser, cloudauth, running, allowed
):
    app = make_portal(
        scw_token_login="true", **{"scw_token_login.masq_allowed": str(allowed).lower()}
    )
    who, node = running
    browser = browser_on(app, new_browser, who)
    masquerade(app, browser, cloudauth.admin)
    page = browser.get("/nodes")
    attempt = browser.post(f"/nodes/1/{node}/scw")
    if allowed:
        assert f'action="/nodes/1/{node}/scw"' in page.text
        assert attempt.status_int == 200 and "data-autosubmit" in attempt.text
    else:
        assert f'action="/nodes/1/{node}/scw"' not in page.text
        assert "SCW Login is unavailable while you view the portal as another user" in page.text
        assert attempt.status_int == 403
        assert "auth_token" not in attempt.text


def test_the_post_needs_the_csrf_token(scw_portal, new_browser, cloudauth):
    browser = browser_on(scw_portal, new_browser, cloudauth.user())
    refused = browser.app.post(f"/nodes/1/{'a' * 32}/scw", {}, status="*")
    assert refused.status_int == 400


def test_bad_ids_are_404_pages(scw_portal, new_browser, cloudauth):
    browser = browser_on(scw_portal, new_browser, cloudauth.user())
    assert browser.post("/nodes/1/not-a-node/scw").status_int == 404
    assert browser.post(f"/nodes/9/{'a' * 32}/scw").status_int == 404
    assert browser.post(f"/nodes/1/{'a' * 32}/scw").status_int == 404


@pytest.mark.parametrize(
    ("template", "public", "private", "expected"),
    [
        ("https://{}/", "203.0.113.5", "10.0.0.3", "https://203.0.113.5/"),
        ("https://{}:8443/scw", "", "10.0.0.3", "https://10.0.0.3:8443/scw"),
        ("https://{}/", "2001:db8::5", "", "https://[2001:db8::5]/"),
        ("https://gateway.example.com/scw", "203.0.113.5", "", "https://gateway.example.com/scw"),
        ("https://{}/", "", "", ""),
        ("https://{}/", "not-an-ip", "", ""),
        ("javascript:alert(1)//{}", "203.0.113.5", "", ""),
        ('https://{}/"><script>', "203.0.113.5", "", ""),
        ("https://user:pw@{}/", "203.0.113.5", "", ""),
        ("ftp://{}/", "203.0.113.5", "", ""),
        (None, "203.0.113.5", "", ""),
    ],
)
def test_workstation_url_from_the_image_template(template, public, private, expected):
    assert workstation_url(template, public, private) == expected


def test_the_handoff_policy_adds_only_the_workstation_to_form_action():
    policy = handoff_policy("https://203.0.113.5:8443/x")
    assert "form-action 'self' https://203.0.113.5:8443;" in policy
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'self' https:;" in handoff_policy("https://[2001:db8::5]/")


@pytest.mark.parametrize("key", ["scw_token_login", "scw_token_login.masq_allowed"])
def test_a_bad_scw_setting_is_a_config_error_naming_it(key):
    raw = {
        "sqlalchemy.url": "sqlite://",
        "cloudauth.url": "http://127.0.0.1:9",
        "cloudcon.1.api_endpoint": "127.0.0.1:9",
        "site.url": "https://portal.example.com",
        key: "maybe",
    }
    with pytest.raises(ConfigError) as caught:
        PortalSettings.from_raw(raw)
    assert key in str(caught.value)


def test_scw_settings_default_off():
    raw = {
        "sqlalchemy.url": "sqlite://",
        "cloudauth.url": "http://127.0.0.1:9",
        "cloudcon.1.api_endpoint": "127.0.0.1:9",
        "site.url": "https://portal.example.com",
    }
    settings = PortalSettings.from_raw(raw)
    assert (settings.scw_token_login, settings.scw_token_login_masq_allowed) == (False, False)
