"""LDAP first login through the portal against a real slapd (seed 1.8.3): Cloud Auth checks the
password and creates the account; the portal then has the controller (users.driver = ldap)
create the system account, named from the directory. A user outside ldap.require_group gets a
plain refusal in Cloud Auth's words, and nothing is created.

Without /usr/sbin/slapd these tests skip; with SCM_REQUIRE_ALL_TIERS=1 they fail instead."""

from __future__ import annotations

import re

import pytest
import requests
import webtest

from cloudportal import main as portal_main
from tests import live
from tests.cloudportal.conftest import portal_settings, start_controller

pytestmark = pytest.mark.ldap


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    from tests.cloudauth.ldap.slapd import slapd_missing, start_slapd
    from tests.conftest import skip_or_fail

    reason = slapd_missing()
    if reason is not None:
        skip_or_fail(reason)
    server = start_slapd(tmp_path_factory.mktemp("portal-slapd"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ldap_stack(tmp_path_factory, directory, simulator, peer_cache, portal_db_url):
    """Cloud Auth on the directory (scm-users required), one controller naming system accounts
    from the directory, and the portal in front of both."""
    cloudauth = live.LiveCloudAuth(
        f"sqlite:///{tmp_path_factory.mktemp('portal-ldap-auth')}/cloudauth.sqlite",
        peer_cache,
        **directory.raw_settings(require_group=directory.group_dn),
    )
    cc, stop = start_controller(
        tmp_path_factory,
        cloudauth,
        simulator,
        peer_cache,
        **{"users.driver": "ldap", "storage.driver": "none", **directory.raw_settings()},
    )
    settings = portal_settings(portal_db_url, cloudauth, cc, 0, **{"scm.storage_mgmt": "false"})
    for key in [k for k in settings if k.startswith("cloudcon.2.")]:
        del settings[key]
    app = webtest.TestApp(portal_main({}, **settings), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    yield cloudauth, cc, app
    stop()
    cloudauth.close()


def _login(app, name, password):
    app.reset()
    form = app.get("/login").forms[0]
    form["login"], form["password"] = name, password
    return form.submit(status="*")


def _accounts(cc, cloudauth, userid):
    response = requests.get(
        cc.url + "/v1/user",
        params={"cloudauth-id": userid},
        headers=cloudauth.admin.headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _user(cloudauth, email):
    users = cloudauth.get("/user/list", cloudauth.admin, show_inactive="true", limit="10000")
    return [u for u in users["users"] if u["email"].lower() == email.lower()]


def _flashes(page) -> str:
    return " ".join(re.findall(r'<div class="alert[^>]*>(.*?)</div>', page.text, re.S))


def test_first_ldap_login_creates_the_system_account_named_from_the_directory(ldap_stack):
    cloudauth, cc, app = ldap_stack
    assert _user(cloudauth, "alice.liddell@example.test") == []
    response = _login(app, "alice", "alice-pw")
    assert response.status_int == 302 and response.location.endswith("/nodes")
    assert "system account alice on Penguin West" in _flashes(response.follow())
    [user] = _user(cloudauth, "alice.liddell@example.test")
    [account] = _accounts(cc, cloudauth, user["id"])
    assert account["system-name"] == "alice"

    profile = app.get("/profile")
    assert "directory" in profile.text and 'name="current_password"' not in profile.text
    # Name and email are the directory's: shown, with where to change them, and no form.
    assert "Alice Liddell" in profile.text and "alice.liddell@example.test" in profile.text.lower()
    assert "site&#39;s directory (LDAP): change them there" in profile.text
    assert 'action="/profile/details"' not in profile.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', profile.text).group(1)
    refused = app.post(
        "/profile/details",
        {"csrf_token": csrf, "name": "Not Alice", "email": "not.alice@example.test"},
        status=400,
    )
    assert 'class="alert alert-danger"' in refused.text and "change them there" in refused.text
    assert _user(cloudauth, "not.alice@example.test") == []
    assert _user(cloudauth, "alice.liddell@example.test")[0]["name"] != "Not Alice"

    # The next login finds it there: nothing made twice.
    again = _login(app, "alice", "alice-pw")
    assert "Set up for you" not in _flashes(again.follow())
    assert len(_accounts(cc, cloudauth, user["id"])) == 1


def test_a_user_outside_the_required_group_gets_a_plain_refusal(ldap_stack):
    cloudauth, _, app = ldap_stack
    page = _login(app, "bob", "bob-pw")
    assert page.status_int == 403
    assert "Access refused" in page.text
    assert "not allowed to use SCM" in page.text
    assert 'name="password"' not in page.text  # a refusal, not a form to try again
    assert _user(cloudauth, "bob@example.test") == []


def test_a_local_account_gets_no_automatic_setup(ldap_stack):
    cloudauth, cc, app = ldap_stack
    who = cloudauth.user()
    response = _login(app, who.email, "long enough pw")
    assert response.status_int == 302
    assert "Set up for you" not in _flashes(response.follow())
    assert _accounts(cc, cloudauth, who.userid) == []
    profile = app.get("/profile")
    assert 'name="current_password"' in profile.text
    assert 'action="/profile/details"' in profile.text and "change them there" not in profile.text
