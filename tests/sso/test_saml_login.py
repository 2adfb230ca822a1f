"""SAML SSO end to end (seed 1.8.4, 1.17): Chromium logs in through SimpleSAMLphp's own login
form; Apache's mod_shib hands the attributes to the portal under mod_wsgi; the portal signs the
user in with Cloud Auth and sets up the system account and $HOME on the controller."""

from __future__ import annotations

import re

import requests

from tests.sso.rig import BOSS, CARL, JANE, Person


def login_through_the_idp(page, rig, person: Person, check=None) -> None:
    """``check``: the axe/screenshot check, run on the portal's login page first."""
    page.goto(rig.sp_url + "/login")
    if check is not None:
        check(page, "login")
    page.click("text=log in with your")
    page.wait_for_url(re.compile(rf"^{re.escape(rig.idp_url)}/"))
    page.fill('input[name="username"]', person.username)
    page.fill('input[name="password"]', person.password)
    page.press('input[name="password"]', "Enter")
    page.wait_for_url(rig.sp_url + "/nodes")


def cloud_auth_users(cloudauth, email: str) -> list[dict]:
    users = cloudauth.get("/user/list", cloudauth.admin, show_inactive="true", limit="10000")
    return [u for u in users["users"] if u["email"] == email]


def system_accounts(controller, cloudauth, userid: str) -> list[dict]:
    answer = requests.get(
        controller.url + "/v1/user",
        params={"cloudauth-id": userid},
        headers=cloudauth.admin.headers,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_first_login_sets_up_the_account_and_a_returning_login_finds_it(stack, new_page, check):
    cloudauth, controller, rig = stack
    page = new_page()
    login_through_the_idp(page, rig, JANE, check)
    check(page, "first-login")
    banner = page.locator(".alert").all_inner_texts()
    assert any(
        "system account jane on Penguin West" in text and "$HOME volume" in text for text in banner
    ), banner
    assert JANE.email in page.content()
    [user] = cloud_auth_users(cloudauth, JANE.email)
    assert user["name"] == JANE.name
    [account] = system_accounts(controller, cloudauth, user["id"])
    assert account["system-name"] == "jane"

    page.goto(rig.sp_url + "/profile")
    check(page, "profile")  # name and email shown read-only: the IdP's
    assert "change them there" in page.content()
    assert page.locator('input[name="email"]').count() == 0

    again = new_page()
    login_through_the_idp(again, rig, JANE)
    assert not any("Set up for you" in t for t in again.locator(".alert").all_inner_texts())
    assert [u["id"] for u in cloud_auth_users(cloudauth, JANE.email)] == [user["id"]]
    assert len(system_accounts(controller, cloudauth, user["id"])) == 1


def test_an_admin_attribute_user_escalates_to_admin_and_back(stack, new_page, check):
    cloudauth, _, rig = stack
    page = new_page()
    login_through_the_idp(page, rig, BOSS)
    check(page, "boss-landing")
    page.click("button:has-text('Log in as admin')")
    page.wait_for_url(rig.sp_url + "/users")
    check(page, "acting-as-admin")
    banner = page.locator(".portal-sso-return").inner_text()
    assert "acting as the administrator" in banner and BOSS.email in banner
    [boss] = cloud_auth_users(cloudauth, BOSS.email)
    events = cloudauth.get(
        "/audit/list", cloudauth.admin, event="login.sso_admin", userid=boss["id"]
    )["events"]
    assert events and events[0]["actor_userid"] == boss["id"]
    assert events[0]["subject_userid"] == cloudauth.admin.userid

    page.click("button:has-text('Leave admin')")
    page.wait_for_url(rig.sp_url + "/profile")
    check(page, "back-from-admin")
    assert f"back as {BOSS.email}" in page.content()
    assert page.locator("button:has-text('Log in as admin')").count() == 1
    assert page.locator(".portal-sso-return").count() == 0


def test_a_plain_user_sees_no_admin_link(stack, new_page):
    _, _, rig = stack
    page = new_page()
    login_through_the_idp(page, rig, JANE)
    assert page.locator("button:has-text('Log in as admin')").count() == 0


def test_forged_attribute_headers_are_ignored(stack, new_page):
    cloudauth, _, rig = stack
    forged = {
        "username": "boss",
        "email": "forged@evil.example",
        "eduPersonEntitlement": "urn:mace:example.edu:scm-admin",
        "Shib-Session-ID": "_forged",
    }
    # Without a Shibboleth session the headers get nobody in: mod_shib sends them to the IdP.
    answer = requests.get(
        rig.sp_url + "/sso/login", headers=forged, verify=rig.ca, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(rig.idp_url)
    # With a real session (Carl's) the same headers on every request change nothing.
    page = new_page(extra_http_headers=forged)
    login_through_the_idp(page, rig, CARL)
    page.goto(rig.sp_url + "/profile")
    assert CARL.email in page.content()
    assert "forged@evil.example" not in page.content()
    assert page.locator("button:has-text('Log in as admin')").count() == 0
    assert cloud_auth_users(cloudauth, "forged@evil.example") == []
    assert len(cloud_auth_users(cloudauth, CARL.email)) == 1


def test_logging_out_ends_the_shibboleth_session_and_the_next_login_asks_the_idp(
    stack, new_page, check
):
    """Log out revokes the Cloud Auth token, then sends the browser to the SP's logout handler
    (auth_sso.logout_url). The rig's SP has ``<Logout>SAML2 Local</Logout>`` and SimpleSAMLphp
    offers SAML single logout, so the SP asks the IdP to end its session too: the browser is
    seen at the IdP's SingleLogoutService and back at the SP's SLO endpoint, which returns to
    the portal's login page. The next "log in with your organization" shows the IdP's form."""
    cloudauth, _, rig = stack
    page = new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.is_navigation_request() else None)
    login_through_the_idp(page, rig, CARL)
    [carl] = cloud_auth_users(cloudauth, CARL.email)
    seen.clear()
    page.click("button:has-text('Log out')")
    page.wait_for_url(rig.sp_url + "/login")
    check(page, "logged-out")
    assert "You are logged out" in page.content()
    assert any(u.startswith(rig.sp_url + "/Shibboleth.sso/Logout") for u in seen), seen
    assert any(u.startswith(rig.idp_url + "/saml2/idp/SingleLogoutService") for u in seen), seen
    assert any(u.startswith(rig.sp_url + "/Shibboleth.sso/SLO/") for u in seen), seen
    # The SP session is gone: its Session handler says so.
    session = page.goto(rig.sp_url + "/Shibboleth.sso/Session")
    assert "A valid session was not found" in session.text()
    # The portal's page stays behind the login, and the IdP asks again (no silent sign-in).
    page.goto(rig.sp_url + "/nodes")
    assert page.url.startswith(rig.sp_url + "/login")
    page.click("text=log in with your")
    page.wait_for_url(re.compile(rf"^{re.escape(rig.idp_url)}/"))
    assert page.locator('input[name="password"]').count() == 1
    # and the login goes through again, as a returning user
    page.fill('input[name="username"]', CARL.username)
    page.fill('input[name="password"]', CARL.password)
    page.press('input[name="password"]', "Enter")
    page.wait_for_url(rig.sp_url + "/nodes")
    assert [u["id"] for u in cloud_auth_users(cloudauth, CARL.email)] == [carl["id"]]
