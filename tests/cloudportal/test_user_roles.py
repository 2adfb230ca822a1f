"""Manage My Users for the superuser: a new user may be made an account owner at creation, and an
existing user made one or not (Cloud Auth's /role/add_user and /role/remove_user); an account
owner is offered no role choice and cannot grant one by posting the form."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.cloudportal.conftest import PASSWORD
from tests.cloudportal.test_admin import seed_users


@pytest.fixture
def superuser(cloudauth):
    return cloudauth.user(roles=["superuser"])


def roles_of(cloudauth, userid: str) -> list[str]:
    return cloudauth.get(f"/user/view/{userid}", cloudauth.admin)["roles"]


def userid_on_page(text: str, email: str) -> str:
    return re.search(r'href="/users/([0-9a-f]{32})">' + re.escape(email), text).group(1)


def test_superuser_creates_an_account_owner_then_revokes_and_grants_it(
    new_browser, cloudauth, superuser
):
    browser = new_browser(superuser)
    page = browser.get("/users")
    assert 'name="role"' in page.text and "Account owner" in page.text
    email = f"ao-{uuid.uuid4().hex[:8]}@example.com"
    created = browser.post(
        "/users", {"name": "Olive", "email": email, "password": PASSWORD, "role": "account_owner"}
    )
    assert created.status_int == 302, created.text
    page = created.follow()
    assert f"User {email} created as an account owner." in page.text
    userid = userid_on_page(page.text, email)  # the superuser's list shows the new user
    assert roles_of(cloudauth, userid) == ["account_owner"]
    assert cloudauth.login(email, PASSWORD)  # and they can log in

    page = browser.get(f"/users/{userid}")
    assert "Account owner" in page.text and "Make an ordinary user" in page.text
    browser.post(f"/users/{userid}/role", {"account_owner": "0"})
    assert roles_of(cloudauth, userid) == []
    page = browser.get(f"/users/{userid}")
    assert "Make an account owner" in page.text
    browser.post(f"/users/{userid}/role", {"account_owner": "1"})
    assert roles_of(cloudauth, userid) == ["account_owner"]


def test_superuser_creates_a_plain_user_and_bad_role_is_a_field_error(
    new_browser, cloudauth, superuser
):
    browser = new_browser(superuser)
    email = f"plain-{uuid.uuid4().hex[:8]}@example.com"
    page = browser.post("/users", {"email": email, "password": PASSWORD, "role": "superuser"})
    assert page.status_int == 400 and "Choose no role or account owner." in page.text
    page = browser.post("/users", {"email": email, "password": PASSWORD, "role": ""}).follow()
    assert roles_of(cloudauth, userid_on_page(page.text, email)) == []
    bad = browser.post(f"/users/{'0' * 32}/role", {"account_owner": "1"})
    assert bad.status_int == 404


def test_an_account_owner_gets_no_role_choice_and_cannot_grant_one(new_browser, cloudauth, owner):
    browser = new_browser(owner)
    assert 'name="role"' not in browser.get("/users").text
    email = f"m-{uuid.uuid4().hex[:8]}@example.com"
    page = browser.post(
        "/users", {"email": email, "password": PASSWORD, "role": "account_owner"}
    ).follow()
    userid = userid_on_page(page.text, email)
    assert roles_of(cloudauth, userid) == []
    assert "Make an account owner" not in browser.get(f"/users/{userid}").text
    refused = browser.post(f"/users/{userid}/role", {"account_owner": "1"})
    assert refused.status_int == 403
    assert roles_of(cloudauth, userid) == []


def emails_listed(page) -> list[str]:
    return re.findall(r'href="/users/[0-9a-f]{32}">([^<]+)</a>', page.text)


def test_the_superusers_list_of_every_user_is_paged_by_cloud_auth(
    new_browser, cloudauth, superuser
):
    word = f"mu{uuid.uuid4().hex[:8]}"
    seed_users(cloudauth, word, 53)
    browser = new_browser(superuser)
    everyone = browser.get("/users")
    assert len(emails_listed(everyone)) == 50  # one page, not the whole user table
    assert "found · page 1 of" in everyone.text and 'rel="next"' in everyone.text

    first = browser.get("/users", params={"q": word})
    assert "53 found · page 1 of 2" in first.text
    assert emails_listed(first) == [f"{word}-{i:02d}@example.org" for i in range(50)]
    second = browser.get("/users", params={"q": word, "page": "2"})
    assert emails_listed(second) == [f"{word}-{i:02d}@example.org" for i in (50, 51, 52)]
    by_name = browser.get("/users", params={"q": word, "sort": "name", "order": "desc"})
    assert emails_listed(by_name)[:2] == [f"{word}-00@example.org", f"{word}-01@example.org"]
    none = browser.get("/users", params={"q": f"{word}-zz"})
    assert f"No user matches “{word}-zz”" in none.text
    bad = browser.get("/users", params={"sort": "password"}, status=400)
    assert "Sort by one of: Email, Name, Status." in bad.text and "Traceback" not in bad.text


def test_an_owners_list_is_their_own_users_unpaged(new_browser, cloudauth, owner):
    mine = cloudauth.user(owner=owner)
    stranger = cloudauth.user()
    page = new_browser(owner).get("/users")
    listed = emails_listed(page)
    assert mine.email in listed and stranger.email not in listed
    assert "found · page" not in page.text and 'name="q"' not in page.text
