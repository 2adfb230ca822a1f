"""The newcomer's journey through the pages: system account, $HOME, SSH key, groups, a login
node that turns ACTIVE on the simulator, power off and on, ACLs, delete; with the bad input of
each form."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDTLAjhV5A9OT2pXS4NfNkBIMT2vaXG5/7KKtR8r3JKb"


def unix_name(prefix="u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def set_up_account(browser, name=None) -> str:
    name = name or unix_name()
    page = browser.post("/accounts/1/system-account", {"system_name": name})
    assert page.status_int == 302, page.text
    page = browser.post("/accounts/1/home")
    assert page.status_int == 302
    return name


@pytest.fixture
def owner_browser(new_browser, owner):
    return new_browser(owner)


def test_accounts_page_creates_system_account_home_and_keys(owner_browser):
    page = owner_browser.get("/accounts")
    assert "You have no system account on Penguin West" in page.text
    assert "Penguin East is unreachable" in page.text
    name = set_up_account(owner_browser)
    page = owner_browser.get("/accounts")
    assert name in page.text and "active" in page.text
    added = owner_browser.post("/accounts/1/keys", {"key": KEY + " laptop<script>x</script>"})
    assert added.status_int == 302, added.text
    page = owner_browser.get("/accounts")
    assert "laptop&lt;script&gt;x&lt;/script&gt;" in page.text
    assert "<script>x</script>" not in page.text
    key_id = re.search(r'name="key_id" value="([0-9a-f]+)"', page.text).group(1)
    owner_browser.post("/accounts/1/keys/remove", {"key_id": key_id})
    assert "laptop&lt;script" not in owner_browser.get("/accounts").text


def test_bad_system_name_and_bad_key_show_the_controllers_message_beside_the_field(
    owner_browser,
):
    page = owner_browser.post("/accounts/1/system-account", {"system_name": "Bad Name!"})
    assert page.status_int == 400
    assert "is not a valid UNIX name" in page.text
    assert 'value="Bad Name!"' in page.text  # what was typed is kept
    set_up_account(owner_browser)
    page = owner_browser.post("/accounts/1/keys", {"key": "ssh-rsa notbase64!!"})
    assert page.status_int == 400
    assert "invalid-feedback" in page.text and "key" in page.text.lower()


def test_groups_create_add_remove_member_and_delete(cloudauth, owner, new_browser):
    # The member first: the controller keeps an owner's list of managed users for a while.
    member = cloudauth.user(owner=owner)
    member_name = set_up_account(new_browser(member))
    owner_browser = new_browser(owner)
    set_up_account(owner_browser)
    group = unix_name("g")
    assert owner_browser.post("/accounts/1/groups", {"group_name": group}).status_int == 302
    page = owner_browser.get("/accounts")
    assert group in page.text
    group_id = re.search(r"/accounts/1/groups/([0-9a-f]+)/members", page.text).group(1)
    member_id = re.search(rf'<option value="([0-9a-f]+)">{member_name}', page.text).group(1)
    owner_browser.post(
        f"/accounts/1/groups/{group_id}/members", {"action": "add", "member": member_id}
    )
    page = owner_browser.get("/accounts")
    assert member_name in card(page, group)
    owner_browser.post(
        f"/accounts/1/groups/{group_id}/members", {"action": "remove", "member": member_id}
    )
    page = owner_browser.get("/accounts")
    assert member_name not in card(page, group)
    owner_browser.post(f"/accounts/1/groups/{group_id}/delete")
    assert f'<h4 class="h6">{group}' not in owner_browser.get("/accounts").text


def card(page, group: str) -> str:
    """The member list of the group's card (before its "Add member" choices)."""
    return page.text.split(f'<h4 class="h6">{group}')[1].split("Delete group")[0].split("Add")[0]


def test_bad_group_name_is_refused_beside_the_field(owner_browser):
    set_up_account(owner_browser)
    page = owner_browser.post("/accounts/1/groups", {"group_name": "<b>bad</b>"})
    assert page.status_int == 400
    assert "&lt;b&gt;bad&lt;/b&gt;" in page.text and "<b>bad</b>" not in page.text


def node_of(browser, wait_for, statuses, instance_id):
    def read():
        return browser.get(f"/nodes/1/{instance_id}/status").json

    return wait_for(read, lambda s: s["status"] in statuses, 60, f"node in {statuses}")


def choices(browser) -> tuple[str, str]:
    """The first VM type and the login-node image the create page offers."""
    form = browser.get("/nodes/1/create").forms[1]
    flavor = next(v for v, _, _ in form["flavor"].options if v)
    images = [(v, text) for v, _, text in form["image"].options if v]
    image = next((v for v, text in images if "loginnode" in text.lower()), images[0][0])
    return flavor, image


def create_node(browser) -> str:
    flavor, image = choices(browser)
    response = browser.post("/nodes/1/create", {"flavor": flavor, "image": image})
    assert response.status_int == 302, response.text
    page = browser.get("/nodes")
    return re.findall(r'id="node-([0-9a-f]{32})"', page.text)[0]  # newest first


def press(browser, node: str, label: str, show: str = ""):
    """Press a card's power button as a browser does: the button names the page's form
    (``form=``, which holds the one CSRF field) and its node's URL (``formaction``);
    ``show``: the list's ``show`` parameter (the full list)."""
    page = browser.get(f"/nodes?show={show}" if show else "/nodes")
    card = page.text.split(f'id="node-{node}"')[1].split("</article>")[0]
    button = re.search(
        r'<button type="submit" form="([\w-]+)" formaction="([^"]+)" name="action" '
        rf'value="(\w+)"[^>]*>{label}<',
        card,
    )
    assert button, f"no {label} button on the card of {node}"
    form_id, action, value = button.groups()
    form = page.forms[form_id]
    assert form.method.upper() == "POST"
    fields = {name: form[name].value for name in ("csrf_token", "show") if name in form.fields}
    return browser.app.post(action, {**fields, "action": value}, status=302)


def test_login_node_lifecycle_create_active_power_off_on_delete(owner_browser, wait_for):
    set_up_account(owner_browser)
    owner_browser.get("/nodes")  # VM types and images cached, as after create_node
    calls_without_nodes = owner_browser.get("/nodes").headers["X-SCM-Backend-Calls"]
    node = create_node(owner_browser)
    # Backend calls per page do not grow with the nodes: one listing per kind per controller.
    assert owner_browser.get("/nodes").headers["X-SCM-Backend-Calls"] == calls_without_nodes
    page = owner_browser.get("/nodes")
    assert f'data-poll="/nodes/1/{node}/status"' in page.text  # the page polls it while busy
    card = page.text.split(f'id="node-{node}"')[1].split("</article>")[0]
    assert "Manage ACLs / User Permissions" in card  # an account owner may share it
    status = node_of(owner_browser, wait_for, {"ACTIVE"}, node)
    assert status["public_ip"]
    page = owner_browser.get("/nodes")
    assert "Running" in page.text and status["public_ip"] in page.text
    assert "keeps its disk" in page.text  # the page explains power off
    assert press(owner_browser, node, "Power off").location.endswith(f"#node-{node}")
    node_of(owner_browser, wait_for, {"STOPPED"}, node)
    press(owner_browser, node, "Power on")
    node_of(owner_browser, wait_for, {"ACTIVE"}, node)
    press(owner_browser, node, "Reboot")
    node_of(owner_browser, wait_for, {"ACTIVE"}, node)
    confirm = owner_browser.get(f"/nodes/1/{node}/delete")
    assert "cannot be undone" in confirm.text
    owner_browser.post(f"/nodes/1/{node}/delete")
    node_of(owner_browser, wait_for, {"DELETED"}, node)
    deleted = owner_browser.get("/nodes/1/deleted")
    assert node in deleted.text


def test_create_refusals_show_the_apis_message_and_create_nothing(owner_browser):
    page = owner_browser.get("/nodes/1/create")
    assert "create your system account" in page.text
    page = owner_browser.post("/nodes/1/create", {"flavor": "", "image": ""})
    assert page.status_int == 400 and "This field is required." in page.text
    page = owner_browser.post("/nodes/1/create", {"flavor": "no-such", "image": "x"})
    assert "Choose one of the listed VM types." in page.text
    # Without a system account the controller refuses, before anything is created.
    flavor, image = choices(owner_browser)
    page = owner_browser.post("/nodes/1/create", {"flavor": flavor, "image": image})
    assert page.status_int == 400
    assert "no system account" in page.text
    assert 'id="node-' not in owner_browser.get("/nodes").text


def test_flavor_cap_refusal_is_shown(owner_browser, wait_for):
    set_up_account(owner_browser)
    create_node(owner_browser)
    _, image = choices(owner_browser)
    page = owner_browser.post("/nodes/1/create", {"flavor": "1", "image": image})
    assert page.status_int == 400
    assert "capped at 1 per user" in page.text


def test_bad_ids_in_urls_are_404_pages_not_errors(owner_browser):
    assert owner_browser.get("/nodes/9/create", status=404).status_int == 404
    assert owner_browser.get("/nodes/abc/create", status=404).status_int == 404
    page = owner_browser.get("/nodes/1/not-a-uuid/status", status=404)
    assert "Not found" in page.text
    missing = uuid.uuid4().hex
    page = owner_browser.get(f"/nodes/1/{missing}/delete", status=404)
    assert "Traceback" not in page.text


def test_my_login_nodes_says_what_is_missing_before_a_node_can_be_created(new_browser, cloudauth):
    browser = new_browser(cloudauth.user())
    page = browser.get("/nodes")
    hint = "Before you can create a login node on Penguin West"
    assert hint in page.text
    assert "Create your system account" in page.text and 'href="/accounts#cc-1"' in page.text
    assert "+ Create a Login Node" not in page.text
    browser.post("/accounts/1/system-account", {"system_name": unix_name()})
    page = browser.get("/nodes")
    assert hint in page.text and "Create your system account" not in page.text
    assert "Create your $HOME storage volume" in page.text
    browser.post("/accounts/1/home")
    page = browser.get("/nodes")
    assert hint not in page.text and "+ Create a Login Node" in page.text


def test_vm_types_and_images_are_cached_briefly_per_user(new_browser, owner, cloudauth):
    def calls(browser) -> int:
        return int(browser.get("/nodes").headers["X-SCM-Backend-Calls"])

    browser = new_browser(owner)
    first, second = calls(browser), calls(browser)
    assert second == first - 2  # /server-flavor and /server-image of the one live controller
    other = new_browser(cloudauth.user())  # another user's choices are their own
    cold = calls(other)
    assert calls(other) == cold - 2


def test_a_users_own_system_account_is_kept_briefly_and_never_anothers(
    new_browser, cloudauth, controller
):
    def calls(browser) -> int:
        return int(browser.get("/nodes").headers["X-SCM-Backend-Calls"])

    plain = cloudauth.user()
    browser = new_browser(plain)
    set_up_account(browser)  # through the portal: the kept copy (none yet) is dropped
    cold = calls(browser)
    # VM types, images and the user's own account come from the portal's cache: the page asks
    # the live controller for its instances only.
    assert calls(browser) == cold - 3
    page = browser.get("/nodes")
    assert "Create your system account" not in page.text and "+ Create a Login Node" in page.text

    # A user who manages nobody (not an account owner) gets no ACL section on their own node:
    # it names an owner's users, so for them it could only ever be empty.
    node = create_node(browser)
    card = browser.get("/nodes").text.split(f'id="node-{node}"')[1].split("</article>")[0]
    assert f'href="/nodes/1/{node}/delete"' in card and "Manage ACLs" not in card

    # Another user's page never shows the first one's account.
    other = cloudauth.user()
    other_browser = new_browser(other)
    assert "Create your system account" in other_browser.get("/nodes").text
    # No account is not kept: one made through the API (not the portal) shows at once.
    made = requests.post(
        controller.url + "/user",
        json={"system-name": unix_name()},
        headers=other.headers,
        timeout=30,
    )
    assert made.status_code == 201, made.text
    assert "Create your system account" not in other_browser.get("/nodes").text


def test_an_owners_page_still_lists_their_users_accounts_fresh(new_browser, owner, cloudauth):
    def calls(browser) -> int:
        return int(browser.get("/nodes").headers["X-SCM-Backend-Calls"])

    browser = new_browser(owner)
    set_up_account(browser)
    cold = calls(browser)
    # An owner's system-account listing holds their users' accounts too (the ACL tables): it
    # is asked on every page, so a user's new account is offered at once.
    assert calls(browser) == cold - 2


def test_create_group_is_offered_only_where_the_user_has_a_system_account(new_browser, cloudauth):
    browser = new_browser(cloudauth.user())
    page = browser.get("/accounts")
    assert 'action="/accounts/1/groups"' not in page.text
    assert "To create a UNIX group on Penguin West, first create your system account" in page.text
    # A form sent anyway (an old page, a script) is answered with the same hint, nothing made.
    refused = browser.post("/accounts/1/groups", {"group_name": unix_name("g")})
    assert refused.status_int == 400
    assert "first create your system account there" in refused.text
    set_up_account(browser)
    page = browser.get("/accounts")
    assert 'action="/accounts/1/groups"' in page.text
    assert "No groups yet." in page.text
    assert "first create your system account" not in page.text.split('id="cc-2"')[0]
