"""A managed user's login node is the owner's to see the moment the user exists, over real HTTP:
the controllers cache an owner's managed-user set for a minute (common.ownership), and Cloud
Auth drops that entry when a user is created for the owner or moved between owners."""

from __future__ import annotations

import uuid

import requests

from tests.cloudportal.conftest import PASSWORD
from tests.cloudportal.test_accounts_and_nodes import create_node, set_up_account


def listed(controller, who) -> set[str]:
    response = requests.get(controller.url + "/server-instance", headers=who.headers, timeout=30)
    assert response.status_code == 200, response.text
    return {node["id"] for node in response.json()["data"]}


def test_a_new_managed_users_node_is_the_owners_to_see_at_once(cloudauth, controller, new_browser):
    owner = cloudauth.user(roles=["account_owner"])
    owner_browser = new_browser(owner)
    # The owner's listings (the API's and the portal's) have cached a set of nobody.
    assert listed(controller, owner) == set()
    assert 'id="node-' not in owner_browser.get("/nodes").text

    email = f"m{uuid.uuid4().hex[:10]}@example.com"
    cloudauth.post("/user/create", owner, email=email, password=PASSWORD)  # the owner's own
    newcomer = cloudauth.login(email, PASSWORD)
    theirs = new_browser(newcomer)
    set_up_account(theirs)
    node = create_node(theirs)

    assert listed(controller, owner) == {node}  # not a minute later
    page = owner_browser.get("/nodes")
    assert f'id="node-{node}"' in page.text and email in page.text  # "Owner: <their email>"


def test_a_user_moved_to_another_owner_moves_with_their_node_at_once(
    cloudauth, controller, new_browser
):
    first = cloudauth.user(roles=["account_owner"])
    second = cloudauth.user(roles=["account_owner"])
    member = cloudauth.user(owner=first)
    node = create_node_for(new_browser, member)
    assert listed(controller, first) == {node}
    assert listed(controller, second) == set()  # cached: nobody

    cloudauth.post(f"/user/update/{member.userid}", cloudauth.admin, owner_userid=second.userid)

    assert listed(controller, second) == {node}
    assert listed(controller, first) == set()


def create_node_for(new_browser, who) -> str:
    browser = new_browser(who)
    set_up_account(browser)
    return create_node(browser)
