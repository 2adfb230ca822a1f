"""My Login Nodes shows the newest live nodes of each location (``nodes.page_size``, 20 by
default), with "Show all"; either way one listing call per controller, and a form sent from the
full list (a delete's confirmation too) comes back to the full list. Here the page size is 2, so
three nodes make a second page."""

from __future__ import annotations

import re
import time

import pytest

from tests.cloudportal.test_accounts_and_nodes import choices, node_of, press, set_up_account


def shown(page) -> list[str]:
    return re.findall(r'<article class="card portal-node" id="node-([0-9a-f]{32})"', page.text)


def create_nodes(browser, count: int) -> list[str]:
    """``count`` nodes, oldest first, of VM types other than "1" (capped at 1 per user here)."""
    _, image = choices(browser)
    form = browser.get("/nodes/1/create").forms[1]
    flavors = [v for v, _, _ in form["flavor"].options if v and v != "1"]
    made = []
    for i in range(count):
        flavor = flavors[i % len(flavors)]
        # "Newest" is the controller's creation time, kept in whole seconds on MariaDB: each
        # node in a second of its own, so that the newest is one node, not a tie.
        time.sleep(1.02 - time.time() % 1)
        response = browser.post("/nodes/1/create", {"flavor": flavor, "image": image})
        assert response.status_int == 302, response.text
        made.append(shown(browser.get("/nodes?show=all"))[0])
    return made


@pytest.fixture(scope="module")
def small_pages(make_portal):
    """A portal whose My Login Nodes shows the 2 newest nodes per controller."""
    return make_portal(**{"nodes.page_size": "2"})


def test_the_newest_nodes_first_then_all_of_them_at_one_call_per_controller(
    small_pages, new_browser, owner, wait_for
):
    browser = new_browser(owner, small_pages)
    set_up_account(browser)
    made = create_nodes(browser, 3)  # oldest first

    page = browser.get("/nodes")
    assert shown(page) == made[:0:-1]  # the two newest, newest first
    assert "Showing the 2 newest of 3 login nodes at Penguin West." in page.text
    assert 'href="/nodes?show=all#cc-1">Show all 3</a>' in page.text

    everything = browser.get("/nodes?show=all")
    assert shown(everything) == made[::-1]
    assert "Showing the" not in everything.text
    assert 'name="show" value="all"' in everything.text  # kept by the cards' forms
    assert 'href="/nodes">Show only the 2 newest' in everything.text
    calls = page.headers["X-SCM-Backend-Calls"]
    assert everything.headers["X-SCM-Backend-Calls"] == calls

    # A power button pressed on the full list comes back to it, at the node.
    back = press(browser, made[0], "Power off", show="all")
    assert back.location.endswith(f"/nodes?show=all#node-{made[0]}")

    # Delete, from the full list: its link, the confirmation's Cancel and the delete itself
    # all come back to the full list; from the first page they come back to the first page.
    delete = f"/nodes/1/{made[2]}/delete"
    assert f'href="{delete}?show=all"' in everything.text
    assert f'href="{delete}"' in page.text
    confirm = browser.get(delete + "?show=all")
    assert f'href="/nodes?show=all#node-{made[2]}">Cancel' in confirm.text
    assert 'name="show" value="all"' in confirm.text
    assert f'href="/nodes#node-{made[2]}">Cancel' in browser.get(delete).text
    back = browser.post(delete, {"show": "all"})
    assert back.status_int == 302 and back.location.endswith("/nodes?show=all#cc-1")
    # A deleted node is neither on the first page nor in its count.
    node_of(browser, wait_for, {"DELETED"}, made[2])
    page = browser.get("/nodes")
    assert shown(page) == [made[1], made[0]] and "Showing the" not in page.text
    assert made[2] in browser.get("/nodes/1/deleted").text
