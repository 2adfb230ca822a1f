"""SSO login at /sso/login (seed 1.8.4): attributes from the WSGI environment that mod_shib sets,
never from headers; the first login's setup on each controller, resumed at the next login when a
controller was down; "Log in as admin" for users matching auth_sso.admin_attributes, and back.

WebTest's ``extra_environ`` plays mod_shib's part here (what Apache puts in the request
environment); tests/sso runs the real Apache + mod_shib + SimpleSAMLphp + Chromium."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import requests
import webtest

from tests import live
from tests.cloudportal.conftest import SSO_ADMIN_RULE, start_controller


@pytest.fixture(scope="module")
def sso_portal(make_portal):
    return make_portal(auth_sso="true", **{"auth_sso.admin_attributes": SSO_ADMIN_RULE})


def browser(portal) -> webtest.TestApp:
    return webtest.TestApp(portal.app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


def shib(username: str, email: str, **more) -> dict:
    """The environment mod_shib gives a request in a Shibboleth session."""
    return {
        "Shib-Session-ID": "_" + uuid.uuid4().hex,
        "Shib-Identity-Provider": "https://idp.example.edu/idp",
        "AUTH_TYPE": "shibboleth",
        "username": username,
        "email": email,
        **more,
    }


def new_person():
    tag = uuid.uuid4().hex[:8]
    return f"j{tag}", f"j{tag}@example.edu"


def sso_login(app, environ, status=302, **kw):
    return app.get("/sso/login", extra_environ=environ, status=status, **kw)


def users_with_email(cloudauth, email):
    users = cloudauth.get("/user/list", cloudauth.admin, show_inactive="true", limit="10000")
    return [u for u in users["users"] if u["email"].lower() == email.lower()]


def accounts_on(cc, cloudauth, userid) -> list[dict]:
    response = requests.get(
        cc.url + "/v1/user",
        params={"cloudauth-id": userid},
        headers=cloudauth.admin.headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def volumes_on(cc, cloudauth, userid) -> list[dict]:
    response = requests.get(
        cc.url + "/v1/storage-volume",
        params={"cloudauth-id": userid},
        headers=cloudauth.admin.headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def flashes(page) -> str:
    return " ".join(re.findall(r'<div class="alert[^>]*>(.*?)</div>', page.text, re.S))


def test_the_sso_path_is_not_there_when_auth_sso_is_off(portal):
    portal.get("/sso/login", extra_environ=shib("x", "x@example.edu"), status=404)
    assert "single sign-on" not in portal.get("/login").text


def test_headers_alone_never_sign_anyone_in(sso_portal, cloudauth):
    username, email = new_person()
    app = browser(sso_portal)
    # Everything a client could forge, as headers (HTTP_* in the environ): refused, nothing made.
    page = app.get(
        "/sso/login",
        headers={
            "Shib-Session-ID": "_forged",
            "username": username,
            "email": email,
            "fullName": "Forged",
            "isMemberOf": "hpc-admins",
        },
        status=403,
    )
    assert "single sign-on" in page.text
    assert users_with_email(cloudauth, email) == []
    assert app.get("/nodes", status=302).location.endswith("/login?next=%2Fnodes")


def test_a_forged_header_beside_a_real_session_is_ignored(sso_portal, cloudauth):
    username, email = new_person()
    _, forged_email = new_person()
    app = browser(sso_portal)
    sso_login(
        app,
        shib(username, email, fullName="Jane Real"),
        headers={"username": "admin", "email": forged_email, "isMemberOf": "hpc-admins"},
    )
    page = app.get("/profile")
    assert email in page.text and forged_email not in page.text
    assert "Log in as admin" not in page.text  # the forged isMemberOf header counted for nothing
    assert users_with_email(cloudauth, forged_email) == []
    [user] = users_with_email(cloudauth, email)
    assert user["name"] == "Jane Real"


def test_first_login_sets_up_the_system_account_and_home_and_names_the_controller_down(
    sso_portal, cloudauth, controller
):
    username, email = new_person()
    app = browser(sso_portal)
    landing = sso_login(app, shib(username.upper() + "@example.edu", email)).follow()
    text = flashes(landing)
    assert f"system account {username} on Penguin West" in text
    assert "$HOME volume on Penguin West" in text
    assert "Your setup on Penguin East is not complete" in text
    assert "tried again at your next login" in text
    [user] = users_with_email(cloudauth, email)
    [account] = accounts_on(controller, cloudauth, user["id"])
    assert account["system-name"] == username
    assert len(volumes_on(controller, cloudauth, user["id"])) == 1

    # The returning login finds everything in place: nothing new, the same account.
    again = browser(sso_portal)
    landing = sso_login(again, shib(username.upper() + "@example.edu", email)).follow()
    assert "Set up for you" not in flashes(landing)
    assert [u["id"] for u in users_with_email(cloudauth, email)] == [user["id"]]
    assert len(accounts_on(controller, cloudauth, user["id"])) == 1
    assert len(volumes_on(controller, cloudauth, user["id"])) == 1


def test_a_login_left_half_done_by_a_controller_down_is_completed_at_the_next(
    make_portal, tmp_path_factory, cloudauth, simulator, peer_cache, controller
):
    port = live.free_port()
    portal = make_portal(auth_sso="true", **{"cloudcon.2.api_endpoint": f"127.0.0.1:{port}"})
    username, email = new_person()
    first = sso_login(browser(portal), shib(username, email)).follow()
    assert "Your setup on Penguin East is not complete" in flashes(first)
    [user] = users_with_email(cloudauth, email)
    assert len(accounts_on(controller, cloudauth, user["id"])) == 1

    east, stop = start_controller(
        tmp_path_factory, cloudauth, simulator, peer_cache, cc_id=2, port=port
    )
    try:
        assert accounts_on(east, cloudauth, user["id"]) == []
        second = sso_login(browser(portal), shib(username, email)).follow()
        text = flashes(second)
        assert f"system account {username} on Penguin East" in text
        assert "$HOME volume on Penguin East" in text
        assert "Penguin West" not in text  # done the first time, not again
        [account] = accounts_on(east, cloudauth, user["id"])
        assert account["system-name"] == username
        assert len(volumes_on(east, cloudauth, user["id"])) == 1
        assert len(accounts_on(controller, cloudauth, user["id"])) == 1
    finally:
        stop()


def test_a_username_that_is_no_unix_name_gets_no_account_and_is_told_what_to_do(
    sso_portal, cloudauth, controller
):
    _, email = new_person()
    landing = sso_login(browser(sso_portal), shib("9 Jane Doe!", email)).follow()
    assert "not a valid UNIX name" in flashes(landing)
    assert "Manage My Accounts &amp; Groups" in flashes(landing)
    [user] = users_with_email(cloudauth, email)
    assert accounts_on(controller, cloudauth, user["id"]) == []


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"email": "a@example.edu"}, "did not send username"),
        ({"username": "abc"}, "did not send email"),
        ({"username": "abc", "email": "not-an-address"}, "not one"),
        ({"username": "a;b", "email": "a@example.edu"}, "several usernames"),
        ({"username": "a\x01b", "email": "a@example.edu"}, "unusable username"),
    ],
)
def test_missing_or_unusable_attributes_are_a_clear_page(sso_portal, environ, words):
    env = {"Shib-Session-ID": "_x", **environ}
    page = browser(sso_portal).get("/sso/login", extra_environ=env, status=400)
    assert words in page.text
    assert "Traceback" not in page.text


def test_an_sso_user_is_sent_to_the_site_for_password_changes(sso_portal):
    username, email = new_person()
    app = browser(sso_portal)
    sso_login(app, shib(username, email))
    page = app.get("/profile")
    assert "change its password with your site's password service" in page.text
    assert 'name="current_password"' not in page.text


def test_first_and_last_name_when_there_is_no_full_name(sso_portal, cloudauth):
    username, email = new_person()
    sso_login(browser(sso_portal), shib(username, email, firstName="Ada", lastName="Lovelace"))
    [user] = users_with_email(cloudauth, email)
    assert user["name"] == "Ada Lovelace"


def test_an_sso_login_with_a_local_accounts_email_is_refused_in_cloud_auths_words(
    sso_portal, owner
):
    page = sso_login(browser(sso_portal), shib("someone", owner.email), status=409)
    assert "already exists" in page.text


def _csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_an_admin_attribute_user_escalates_to_admin_and_back(sso_portal, cloudauth):
    username, email = new_person()
    app = browser(sso_portal)
    sso_login(app, shib(username, email, isMemberOf="staff;hpc-admins"))
    profile = app.get("/profile")
    assert "Log in as admin" in profile.text
    own_token = _session(app)["token"]

    admin_page = app.post("/sso/admin", {"csrf_token": _csrf(profile)}).follow()
    session = _session(app)
    assert session["email"] != email and "superuser" in session["roles"]
    assert session["sso_return"]["email"] == email
    assert "You are acting as the" in admin_page.text and email in admin_page.text
    assert "Leave admin" in admin_page.text
    assert "Log in as admin" not in admin_page.text
    admin_token = session["token"]
    [user] = users_with_email(cloudauth, email)
    rows = cloudauth.get("/audit/list", cloudauth.admin, event="login.sso_admin", userid=user["id"])
    assert rows["events"][0]["actor_userid"] == user["id"]
    assert rows["events"][0]["subject_userid"] == session["userid"]

    assert 'name="current_password"' in app.get("/profile").text  # admin's own, local
    back = app.post("/logout", {"csrf_token": _csrf(admin_page)})
    assert back.location.endswith("/profile")
    page = back.follow()
    assert f"back as {email}" in page.text
    assert 'name="current_password"' not in page.text
    session = _session(app)
    assert session["email"] == email and session["token"] == own_token
    assert "sso_return" not in session
    assert _token_live(cloudauth, own_token, user["id"])
    assert not _token_live(cloudauth, admin_token, cloudauth.admin.userid)


def test_no_link_and_no_escalation_without_a_matching_value(sso_portal):
    username, email = new_person()
    app = browser(sso_portal)
    sso_login(app, shib(username, email, isMemberOf="staff;hpc-admins-not"))
    profile = app.get("/profile")
    assert "Log in as admin" not in profile.text
    page = app.post("/sso/admin", {"csrf_token": _csrf(profile)}, status=403)
    assert "does not allow acting as admin" in page.text
    assert "superuser" not in _session(app)["roles"]


def test_the_portals_rule_alone_shows_no_link(make_portal):
    # The portal's rule names a value Cloud Auth's copy does not hold: Cloud Auth says no.
    portal = make_portal(auth_sso="true", **{"auth_sso.admin_attributes": "affiliation = admin"})
    username, email = new_person()
    app = browser(portal)
    sso_login(app, shib(username, email, affiliation="admin"))
    assert "Log in as admin" not in app.get("/profile").text


def test_log_in_as_admin_needs_the_forms_csrf_token(sso_portal):
    username, email = new_person()
    app = browser(sso_portal)
    sso_login(app, shib(username, email, isMemberOf="hpc-admins"))
    app.post("/sso/admin", {}, status=400)
    assert "superuser" not in _session(app)["roles"]


def test_the_login_page_offers_single_sign_on_when_it_is_on(sso_portal):
    page = browser(sso_portal).get("/login")
    assert 'href="/sso/login"' in page.text


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"auth_sso.admin_attributes": "just words"}, r"auth_sso\.admin_attributes, line 1"),
        ({"auth_sso.admin_attributes": "HTTP_X_ROLE = admin"}, "names an HTTP header"),
        ({"auth_sso": "perhaps"}, "auth_sso"),
    ],
)
def test_a_bad_sso_setting_stops_the_portal_naming_it(make_portal, settings, words):
    # main() stops with one line naming the setting (common.console.config_errors_exit)
    with pytest.raises(SystemExit, match=words):
        make_portal(**settings)


def _session(app) -> dict:
    from pyramid.interfaces import ISessionFactory

    from cloudportal.session import KEY_PREFIX

    store = app.app.registry.queryUtility(ISessionFactory).store
    return store.cache.get(KEY_PREFIX + app.cookies["scm_portal"])["data"]


def _token_live(cloudauth, token: str, userid: str) -> bool:
    response = requests.get(
        cloudauth.url + "/auth/verify_token",
        params={"auth_token": token, "userid": userid},
        timeout=10,
    )
    return response.status_code == 200


def test_under_a_whitelist_an_unlisted_sso_first_login_creates_nothing(make_portal, cloudauth):
    from cloudportal.registration.whitelist import Whitelist

    portal = make_portal(
        auth_sso="true",
        **{"auth_sso.admin_attributes": SSO_ADMIN_RULE, "registration.type": "whitelist"},
    )
    listed_user, listed_email = new_person()
    unlisted_user, unlisted_email = new_person()
    factory = portal.app.registry["scm.dbsession_factory"]
    session = factory()
    try:
        Whitelist(session, dt.datetime(2026, 1, 1)).add_lines(listed_email, "test")
        session.commit()
    finally:
        session.close()

    # Not on the list: Cloud Auth is told the address may not register, and creates no account.
    page = sso_login(browser(portal), shib(unlisted_user, unlisted_email), status=403)
    assert "may not register" in page.text
    assert users_with_email(cloudauth, unlisted_email) == []

    # On the list: the first login creates the account.
    sso_login(browser(portal), shib(listed_user, listed_email))
    assert len(users_with_email(cloudauth, listed_email)) == 1


def test_an_sso_users_name_and_email_are_the_idps_shown_read_only(sso_portal, cloudauth):
    username, email = new_person()
    app = browser(sso_portal)
    sso_login(app, shib(username, email, fullName="Jane Idp"))
    profile = app.get("/profile")
    assert "Jane Idp" in profile.text and email in profile.text
    assert "change them there" in profile.text and "single sign-on" in profile.text
    assert 'action="/profile/details"' not in profile.text
    assert 'name="email"' not in profile.text

    # A hand-made POST changing them anyway: a form error, nothing changed in Cloud Auth.
    refused = app.post(
        "/profile/details",
        {"csrf_token": _csrf(profile), "name": "Someone Else", "email": "else@example.edu"},
        status=400,
    )
    assert 'class="alert alert-danger"' in refused.text
    assert "single sign-on" in refused.text and "change them there" in refused.text
    [user] = users_with_email(cloudauth, email)
    assert user["name"] == "Jane Idp"
    assert users_with_email(cloudauth, "else@example.edu") == []

    # What the IdP sends at the next login is what the portal shows.
    _, new_email = new_person()
    again = browser(sso_portal)
    sso_login(again, shib(username, new_email, fullName="Jane Renamed"))
    profile = again.get("/profile")
    assert "Jane Renamed" in profile.text and new_email in profile.text
    assert [u["id"] for u in users_with_email(cloudauth, new_email)] == [user["id"]]


def test_an_idp_email_that_another_account_holds_is_not_taken_over(sso_portal, cloudauth):
    local = cloudauth.user()
    username, email = new_person()
    sso_login(browser(sso_portal), shib(username, email))
    sso_login(browser(sso_portal), shib(username, local.email))
    assert [u["id"] for u in users_with_email(cloudauth, local.email)] == [local.userid]
    assert len(users_with_email(cloudauth, email)) == 1


def test_logging_out_of_an_sso_session_ends_the_shibboleth_session_too(sso_portal, cloudauth):
    from tests.cloudportal.test_login_and_nodes import _token_of

    username, email = new_person()
    app = browser(sso_portal)
    sso_login(app, shib(username, email))
    token = _token_of(app)
    [user] = users_with_email(cloudauth, email)
    out = app.post("/logout", {"csrf_token": _csrf(app.get("/profile"))}, status=200)
    # On to the SP's logout handler, which comes back to the portal's login page. A page that
    # goes on by itself, not a 302: a form's redirect chain to the IdP would break the CSP.
    target = "http://localhost/Shibboleth.sso/Logout?return=http%3A%2F%2Flocalhost%2Flogin"
    assert sso_logout_target(out) == target
    assert "You are logged out" in out.text and 'role="alert"' not in out.text
    # The portal's part is done before: the token revoked, the session gone.
    answer = requests.get(
        cloudauth.url + "/auth/verify_token",
        params={"auth_token": token, "userid": user["id"]},
        timeout=10,
    )
    assert answer.status_code == 401
    assert app.get("/nodes", status=302).location.endswith("/login?next=%2Fnodes")
    assert "You are logged out" in app.get("/login").text


def test_a_local_login_logs_out_to_the_login_page_as_before(sso_portal, cloudauth):
    from tests.cloudportal.conftest import login

    who = cloudauth.user()
    app = browser(sso_portal)
    assert login(app, who.email).status_int == 302
    out = app.post("/logout", {"csrf_token": _csrf(app.get("/profile"))}, status=302)
    assert out.location == "http://localhost/login"


@pytest.mark.parametrize(
    ("setting", "location"),
    [
        ("", "http://localhost/login"),
        (
            "https://sp.example.edu/Shibboleth.sso/Logout",
            "https://sp.example.edu/Shibboleth.sso/Logout?return=http%3A%2F%2Flocalhost%2Flogin",
        ),
        (
            "/Shibboleth.sso/Logout?x=1",
            "http://localhost/Shibboleth.sso/Logout?x=1&return=http%3A%2F%2Flocalhost%2Flogin",
        ),
    ],
)
def test_auth_sso_logout_url_chooses_where_sso_logout_goes(make_portal, setting, location):
    portal = make_portal(auth_sso="true", **{"auth_sso.logout_url": setting})
    username, email = new_person()
    app = browser(portal)
    sso_login(app, shib(username, email))
    out = app.post("/logout", {"csrf_token": _csrf(app.get("/profile"))})
    assert (out.location if out.status_int == 302 else sso_logout_target(out)) == location


def sso_logout_target(page) -> str:
    """Where the page after an SSO logout goes on to: its Refresh header, its meta refresh and
    its Continue link all agree."""
    import html

    header = page.headers["Refresh"].split("url=", 1)[1]
    meta = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', page.text).group(1)
    link = re.search(r'<a href="([^"]+)" id="sso-logout-continue"', page.text).group(1)
    assert header == html.unescape(meta) == html.unescape(link)
    return header


@pytest.mark.parametrize(
    "value", ["Shibboleth.sso/Logout", "//evil.example/x", "javascript:alert(1)", "/a b"]
)
def test_a_bad_auth_sso_logout_url_is_refused_by_name(value):
    from cloudportal.settings import PortalSettings
    from common.settings import ConfigError
    from tests.cloudportal.test_mail_and_settings import BASE

    with pytest.raises(ConfigError, match=r"auth_sso\.logout_url"):
        PortalSettings.from_raw({**BASE, "auth_sso.logout_url": value})
