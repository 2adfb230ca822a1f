"""Log in, log out, the forced password change, and the login-nodes page with one controller
up and one down."""

from __future__ import annotations

import requests

from tests.cloudportal.conftest import PASSWORD, login


def test_login_page_shows_the_site_help_and_branding(portal):
    page = portal.get("/login")
    assert "Use your site account." in page.text
    assert "Penguin SCM Resources" in page.text
    assert page.headers["Content-Security-Policy"].count("frame-ancestors 'none'") == 1


def test_login_lands_on_login_nodes_grouped_per_controller_with_the_down_one_named(portal, owner):
    response = login(portal, owner.email)
    assert response.status_int == 302 and response.location.endswith("/nodes")
    page = response.follow()
    assert "My Login Nodes" in page.text
    assert "Penguin West" in page.text and "Penguin East" in page.text
    assert "Penguin East is unreachable" in page.text
    assert "Before you can create a login node on Penguin West" in page.text  # West works
    assert owner.email in page.text


def test_wrong_password_shows_cloud_auths_message_and_keeps_the_login(portal, owner):
    page = login(portal, owner.email, "wrong password")
    assert page.status_int == 401
    assert "wrong login name or password" in page.text.lower()
    assert f'value="{owner.email}"' in page.text
    assert "wrong password" not in page.text


def test_logout_revokes_the_token_at_cloud_auth(portal, owner, cloudauth):
    login(portal, owner.email)
    session = portal.app.registry  # noqa: F841  (the token lives only server-side)
    token = _token_of(portal)
    assert requests.get(
        cloudauth.url + "/auth/verify_token",
        params={"auth_token": token, "userid": owner.userid},
        timeout=10,
    ).json()["success"]
    page = portal.get("/nodes")
    csrf = page.forms[0]["csrf_token"].value
    portal.post("/logout", {"csrf_token": csrf})
    answer = requests.get(
        cloudauth.url + "/auth/verify_token",
        params={"auth_token": token, "userid": owner.userid},
        timeout=10,
    )
    assert answer.status_code == 401
    assert portal.get("/nodes").status_int == 302


def _token_of(app) -> str:
    from cloudportal.session import KEY_PREFIX

    factory_store = app.app.registry  # the session store is reached through the cache
    cookie = app.cookies["scm_portal"]
    from pyramid.interfaces import ISessionFactory

    store = factory_store.queryUtility(ISessionFactory).store
    return store.cache.get(KEY_PREFIX + cookie)["data"]["token"]


def test_unknown_user_and_empty_form_are_refused_beside_the_fields(portal):
    page = portal.get("/login").forms[0].submit(status=400)
    assert page.status_int == 200 or page.status_int == 400
    assert "This field is required." in page.text
    assert PASSWORD not in page.text


def test_help_faq_sidebar_and_a_site_template_override(make_portal, owner, tmp_path):
    (tmp_path / "help").mkdir()
    (tmp_path / "help" / "faq.mako").write_text(
        '<%inherit file="/layout.mako"/>\n<%def name="title()">FAQ</%def>\n<p>Our own FAQ</p>\n'
    )
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    app = make_portal(**{"site.templates": str(tmp_path), "site.logo": str(logo)})
    login(app, owner.email)
    help_page = app.get("/help")
    assert "A login node is a virtual machine" in help_page.text
    assert '<a href="https://docs.example.com/">Site docs</a>' in help_page.text  # operator HTML
    assert "Usage and Reports" not in help_page.text  # a later issue: absent, not dead
    assert "Our own FAQ" in app.get("/faq").text
    assert app.get("/site-logo").body.startswith(b"\x89PNG")
