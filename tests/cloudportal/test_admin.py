"""Superuser mode in the portal (issue 12): the Administration pages (users, all login nodes,
cloud controllers, audit log) and masquerade ("view as"), over real HTTP to a live Cloud Auth
and controller. Lists are checked against rows seeded for each test (a unique search word)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import requests

from cloudcontroller.instances import models as m
from tests.cloudportal.conftest import PASSWORD


@pytest.fixture
def superuser(cloudauth):
    return cloudauth.user(roles=["superuser"])


@pytest.fixture
def admin_browser(new_browser, superuser):
    return new_browser(superuser)


def seed_users(cloudauth, word: str, count: int) -> list[dict]:
    return [
        cloudauth.post(
            "/user/create",
            cloudauth.admin,
            email=f"{word}-{i:02d}@example.org",
            name=f"{word} person {count - i:02d}",
            password=PASSWORD,
        )
        for i in range(count)
    ]


def emails_on(page) -> list[str]:
    return re.findall(r'href="/admin/users/[0-9a-f]{32}">([^<]+)</a>', page.text)


def audit(cloudauth, **params) -> list[dict]:
    return cloudauth.get("/audit/list", cloudauth.admin, **params)["events"]


# -- who may see them -------------------------------------------------------------------------


def test_non_superusers_get_403_and_no_administration_menu(new_browser, owner, cloudauth):
    browser = new_browser(owner)
    page = browser.get("/nodes")
    assert "Administration" not in page.text
    for path in ("/admin/users", "/admin/nodes", "/admin/controllers", "/admin/audit"):
        assert browser.get(path, status=403).status_int == 403
    someone = cloudauth.user()
    refused = browser.post(f"/admin/users/{someone.userid}/view-as", status=403)
    assert "superuser" in refused.text
    assert browser.post(f"/admin/users/{someone.userid}/active", {"active": "0"}).status_int == 403
    assert cloudauth.get(f"/user/view/{someone.userid}", cloudauth.admin)["active"] == 1


def test_superuser_sees_the_administration_menu(admin_browser):
    page = admin_browser.get("/nodes")
    assert "Administration" in page.text
    for path in ("/admin/users", "/admin/nodes", "/admin/controllers", "/admin/audit"):
        assert f'href="{path}"' in page.text


def test_anonymous_is_sent_to_login(portal):
    response = portal.get("/admin/users", status=302)
    assert "/login" in response.location


# -- users ------------------------------------------------------------------------------------


def test_user_list_searches_sorts_and_pages_seeded_users(admin_browser, cloudauth):
    word = f"pg{uuid.uuid4().hex[:8]}"
    seed_users(cloudauth, word, 55)
    first = admin_browser.get("/admin/users", params={"q": word.upper()})
    assert "55 found · page 1 of 2" in first.text
    assert emails_on(first) == [f"{word}-{i:02d}@example.org" for i in range(50)]
    second = admin_browser.get("/admin/users", params={"q": word, "page": "2"})
    assert emails_on(second) == [f"{word}-{i:02d}@example.org" for i in range(50, 55)]
    desc = admin_browser.get("/admin/users", params={"q": word, "sort": "email", "order": "desc"})
    assert emails_on(desc)[:3] == [f"{word}-{i:02d}@example.org" for i in (54, 53, 52)]
    # names run the other way round: sorting by name reverses the email order
    by_name = admin_browser.get("/admin/users", params={"q": word, "sort": "name"})
    assert emails_on(by_name)[:2] == [f"{word}-54@example.org", f"{word}-53@example.org"]
    one = admin_browser.get("/admin/users", params={"q": f"{word}-07@"})
    assert emails_on(one) == [f"{word}-07@example.org"] and "1 found" in one.text
    none = admin_browser.get("/admin/users", params={"q": f"{word}-zz"})
    assert "No user matches" in none.text


@pytest.mark.parametrize(
    "params, words",
    [
        ({"sort": "password"}, "Sort by one of: Email, Name, Status, Registered by."),
        ({"order": "sideways"}, "Order is asc or desc."),
        ({"page": "0"}, "The page is a whole number from 1."),
        ({"page": "x"}, "The page is a whole number from 1."),
        ({"q": "x" * 65}, "Search for at most 64 characters."),
    ],
)
def test_bad_list_parameters_are_said_above_the_list(admin_browser, params, words):
    page = admin_browser.get("/admin/users", params=params, status=400)
    assert words in page.text
    assert "Traceback" not in page.text


def test_user_page_activate_roles_password_and_api_key(admin_browser, cloudauth):
    target = cloudauth.user()
    path = f"/admin/users/{target.userid}"
    page = admin_browser.get(path)
    assert target.email in page.text and "View the portal as" in page.text

    admin_browser.post(f"{path}/active", {"active": "0"})
    assert cloudauth.get(f"/user/view/{target.userid}", cloudauth.admin)["active"] == 0
    assert "Activate the account to view" in admin_browser.get(path).text
    admin_browser.post(f"{path}/active", {"active": "1"})
    assert cloudauth.get(f"/user/view/{target.userid}", cloudauth.admin)["active"] == 1

    admin_browser.post(f"{path}/roles", {"role": ["account_owner", "cloudaccountant_admin"]})
    roles = cloudauth.get(f"/user/view/{target.userid}", cloudauth.admin)["roles"]
    assert roles == ["account_owner", "cloudaccountant_admin"]
    admin_browser.post(f"{path}/roles", {"role": ["account_owner"]})
    assert cloudauth.get(f"/user/view/{target.userid}", cloudauth.admin)["roles"] == [
        "account_owner"
    ]
    bad_role = admin_browser.post(f"{path}/roles", {"role": "emperor"}).follow()
    assert "Choose roles from the list." in bad_role.text

    short = admin_browser.post(f"{path}/password", {"password": "short", "confirm": "short"})
    assert short.status_int == 400 and "Use at least 8 characters." in short.text
    differ = admin_browser.post(
        f"{path}/password", {"password": "a new long one", "confirm": "another one"}
    )
    assert differ.status_int == 400 and "The two passwords differ." in differ.text
    done = admin_browser.post(
        f"{path}/password", {"password": "a new long one", "confirm": "a new long one"}
    )
    assert done.status_int == 302
    assert cloudauth.login(target.email, "a new long one")

    key = f"svc{uuid.uuid4().hex[:12]}"
    bad = admin_browser.post(f"{path}/api-key", {"api_key": "a b", "api_secret": "short"})
    assert bad.status_int == 400
    assert "Use 8 to 128 letters" in bad.text and "Use 16 to 256 printable" in bad.text
    assert cloudauth.get(f"/api_key/view/{target.userid}", cloudauth.admin)["api_key"] == ""
    good = admin_browser.post(
        f"{path}/api-key", {"api_key": key, "api_secret": "s" * 20 + "-secret"}
    )
    assert good.status_int == 302
    assert cloudauth.get(f"/api_key/view/{target.userid}", cloudauth.admin)["api_key"] == key
    assert "s" * 20 not in admin_browser.get(path).text  # the secret is never shown


def test_a_directory_users_password_is_refused_in_cloud_auths_words(admin_browser, cloudauth):
    made = cloudauth.post(
        "/user/create",
        cloudauth.admin,
        email=f"ldap-{uuid.uuid4().hex[:8]}@example.org",
        registration_source="ldap",
    )
    page = admin_browser.post(
        f"/admin/users/{made['id']}/password",
        {"password": "a new long one", "confirm": "a new long one"},
    )
    assert page.status_int == 400
    assert "This user&#39;s password is kept in the directory (LDAP/SSO), not here." in page.text


def test_the_superuser_cannot_remove_their_own_superuser_role(admin_browser, superuser, cloudauth):
    page = admin_browser.post(f"/admin/users/{superuser.userid}/roles", {"role": []}).follow()
    assert "You cannot remove your own superuser role." in page.text
    assert "superuser" in cloudauth.get(f"/user/view/{superuser.userid}", cloudauth.admin)["roles"]


def test_an_api_key_of_another_user_is_cloud_auths_words_beside_the_field(admin_browser, cloudauth):
    first, second = cloudauth.user(), cloudauth.user()
    key = f"dup{uuid.uuid4().hex[:12]}"
    admin_browser.post(
        f"/admin/users/{first.userid}/api-key", {"api_key": key, "api_secret": "x" * 24}
    )
    clash = admin_browser.post(
        f"/admin/users/{second.userid}/api-key", {"api_key": key, "api_secret": "y" * 24}
    )
    assert clash.status_int == 400 and "That api_key belongs to another user." in clash.text


def test_unknown_and_malformed_user_ids_are_404(admin_browser):
    admin_browser.get(f"/admin/users/{uuid.uuid4().hex}", status=404)
    admin_browser.get("/admin/users/not-a-user", status=404)


# -- masquerade -------------------------------------------------------------------------------


def test_view_as_shows_the_users_portal_audits_changes_and_stops(
    admin_browser, superuser, cloudauth
):
    alice = cloudauth.user(roles=["account_owner"])
    started = admin_browser.post(f"/admin/users/{alice.userid}/view-as")
    assert started.status_int == 302 and started.location.endswith("/nodes")
    page = started.follow()
    assert f"You (<strong>{superuser.email}</strong>) are viewing the portal as" in page.text
    assert f"Stop viewing as {alice.email}" in page.text
    assert 'href="/admin/users"' not in page.text  # the viewed user's menu, not the superuser's
    admin_browser.get("/admin/users", status=403)

    # a change at Cloud Auth and one at the controller, both made while viewing as alice
    admin_browser.post("/profile/details", {"name": "Alice Viewed", "email": alice.email})
    name = f"al{uuid.uuid4().hex[:6]}"
    admin_browser.post("/accounts/1/system-account", {"system_name": name})
    rows = audit(cloudauth, userid=superuser.userid, masquerade="true")
    changes = {(e["event"], e["actor_userid"], e["masquerader_userid"]) for e in rows}
    assert ("user.updated", alice.userid, superuser.userid) in changes
    assert ("masquerade.change", alice.userid, superuser.userid) in changes
    detail = next(e["detail"] for e in rows if e["event"] == "masquerade.change")
    assert re.fullmatch(r"cloudcontroller 1: POST (/v1)?/user -> 201", detail), detail

    stopped = admin_browser.post("/admin/view-as/stop")
    assert stopped.location.endswith(f"/admin/users/{alice.userid}")
    back = stopped.follow()
    assert f"You stopped viewing as {alice.email}." in back.text
    assert "are viewing the portal as" not in back.text
    assert 'href="/admin/users"' in back.text
    ended = audit(cloudauth, userid=alice.userid, event="masquerade.ended")
    assert [e["masquerader_userid"] for e in ended] == [superuser.userid]
    started_rows = audit(cloudauth, userid=alice.userid, event="masquerade.started")
    assert [(e["actor_userid"], e["subject_userid"]) for e in started_rows] == [
        (superuser.userid, alice.userid)
    ]

    # the audit page names both
    log = admin_browser.get("/admin/audit", params={"who": alice.email, "masquerade": "1"})
    assert f"<strong>{superuser.email}</strong> viewing as {alice.email}" in log.text


def test_a_superuser_or_an_inactive_user_cannot_be_viewed_as(admin_browser, cloudauth):
    other = cloudauth.user(roles=["superuser"])
    refused = admin_browser.post(f"/admin/users/{other.userid}/view-as").follow()
    assert "Cannot view as this user: a superuser cannot be viewed as" in refused.text
    gone = cloudauth.user()
    cloudauth.post(f"/user/update/{gone.userid}", cloudauth.admin, active="0")
    refused = admin_browser.post(f"/admin/users/{gone.userid}/view-as").follow()
    assert "is deactivated: activate the account first" in refused.text
    assert "are viewing the portal as" not in admin_browser.get("/nodes").text


def test_an_ended_masquerade_token_returns_to_the_superuser(admin_browser, cloudauth):
    bob = cloudauth.user()
    admin_browser.post(f"/admin/users/{bob.userid}/view-as")
    # bob is deactivated elsewhere: his tokens, the masquerade one too, stop working
    cloudauth.post(f"/user/update/{bob.userid}", cloudauth.admin, active="0")
    page = admin_browser.get("/profile")
    assert page.status_int == 302 and page.location.endswith("/admin/users")
    back = page.follow()
    assert f"Viewing as {bob.email} has ended." in back.text
    assert "are viewing the portal as" not in back.text


def test_stop_without_a_masquerade_just_goes_home(admin_browser):
    assert admin_browser.post("/admin/view-as/stop").status_int == 302


def test_logout_while_viewing_as_revokes_both_tokens(admin_browser, superuser, cloudauth):
    carol = cloudauth.user()
    admin_browser.post(f"/admin/users/{carol.userid}/view-as")
    admin_browser.post("/logout")
    response = cloudauth.http.get(
        cloudauth.url + "/auth/verify_token",
        params={"auth_token": superuser.headers["X-Auth-Token"], "userid": superuser.userid},
        timeout=10,
    )
    # the test's own login token of the superuser is another token: still live
    assert response.status_code == 200
    # the superuser's portal token and the masquerade token (revoked by holding it: its user)
    assert len(audit(cloudauth, userid=superuser.userid, event="token.revoked")) == 1
    assert len(audit(cloudauth, userid=carol.userid, event="token.revoked")) == 1


# -- all login nodes --------------------------------------------------------------------------


def seed_nodes(controller, owner, word: str, count: int) -> list[dict]:
    rows = [
        {
            "id": m.new_uuid(),
            "cloudauth_id": owner.userid,
            "image_id": "img",
            "flavor_id": "1",
            "hostname": f"{word}-{i:03d}",
            "public_ip": f"198.51.100.{i % 250}",
            "desired": m.ON,
            "status": m.ACTIVE if i % 3 else m.STOPPED,
            "pending": False,
            "generation": 1,
            "reboot_pending": False,
            "created_at": dt.datetime(2026, 3, 1) + dt.timedelta(minutes=i),
            "updated_at": dt.datetime(2026, 3, 1),
        }
        for i in range(count)
    ]
    with controller.app.registry["scm.dbsession_factory"]() as db:
        db.execute(m.ServerInstance.__table__.insert(), rows)
        db.commit()
    return rows


def hostnames_on(page) -> list[str]:
    return re.findall(r'href="/admin/nodes/1/[0-9a-f]{32}">([^<]+)</a>', page.text)


def test_all_login_nodes_search_sort_page_and_owner(admin_browser, cloudauth, controller):
    owner = cloudauth.user()
    word = f"nd{uuid.uuid4().hex[:6]}"
    seed_nodes(controller, owner, word, 60)
    page = admin_browser.get("/admin/nodes", params={"q": word})
    assert "60 found · page 1 of 2" in page.text
    assert hostnames_on(page) == [f"{word}-{i:03d}" for i in range(50)]
    assert owner.email in page.text  # owners by email, not by id
    last = admin_browser.get("/admin/nodes", params={"q": word, "page": "2"})
    assert hostnames_on(last) == [f"{word}-{i:03d}" for i in range(50, 60)]
    desc = admin_browser.get(
        "/admin/nodes", params={"q": word, "sort": "hostname", "order": "desc"}
    )
    assert hostnames_on(desc)[:2] == [f"{word}-059", f"{word}-058"]
    assert "Penguin East" in page.text  # the other controller's tab
    down = admin_browser.get("/admin/nodes", params={"cc": "2"})
    assert "Penguin East is unreachable" in down.text
    admin_browser.get("/admin/nodes", params={"cc": "9"}, status=404)
    bad = admin_browser.get("/admin/nodes", params={"sort": "secret"}, status=400)
    assert "Sort by one of: Hostname, Owner, Status, Public IP, VM type, Created." in bad.text


def test_node_owners_emails_are_asked_once_per_superuser_and_only_for_new_owners(
    admin_browser, new_browser, cloudauth, controller
):
    def calls(browser, **params) -> tuple[int, str]:
        page = browser.get("/admin/nodes", params=params)
        return int(page.headers["X-SCM-Backend-Calls"]), page.text

    first_owner, second_owner = cloudauth.user(), cloudauth.user()
    word = f"em{uuid.uuid4().hex[:6]}"
    seed_nodes(controller, first_owner, word, 2)
    cold, text = calls(admin_browser, q=word)
    assert first_owner.email in text
    warm, text = calls(admin_browser, q=word)
    assert warm == cold - 2 and first_owner.email in text  # VM types and the owners' emails kept
    seed_nodes(controller, second_owner, word + "x", 1)  # a node of an owner not yet seen
    more, text = calls(admin_browser, q=word)
    assert more == warm + 1  # one Cloud Auth call, for the new owner only
    assert first_owner.email in text and second_owner.email in text
    # Another superuser's copy is their own: their first page asks Cloud Auth itself.
    other = new_browser(cloudauth.user(roles=["superuser"]))
    theirs, text = calls(other, q=word)
    assert theirs == cold and second_owner.email in text


def test_node_permissions_delete_confirmation_and_bad_power(admin_browser, cloudauth, controller):
    owner, friend = cloudauth.user(), cloudauth.user()
    [row] = seed_nodes(controller, owner, f"one{uuid.uuid4().hex[:6]}", 1)
    friend_name = f"fr{uuid.uuid4().hex[:6]}"
    # the friend's system account on controller 1, made as the friend would
    made = requests.post(
        controller.url + "/user",
        json={"system-name": friend_name},
        headers=friend.headers,
        timeout=10,
    ).json()["data"]
    path = f"/admin/nodes/1/{row['id']}"
    page = admin_browser.get(path)
    assert row["hostname"] in page.text and owner.email in page.text

    unknown = admin_browser.post(f"{path}/permissions", {"add": "nobody-here"})
    assert unknown.status_int == 400 and "No system account &#39;nobody-here&#39;" in unknown.text
    added = admin_browser.post(f"{path}/permissions", {"add": friend_name})
    assert added.status_int == 302
    users = requests.get(
        controller.url + f"/server-instance/{row['id']}",
        headers=cloudauth.admin.headers,
        timeout=10,
    ).json()["data"]["user-permissions"]
    assert users == [{"user-id": made["user-id"], "power": False, "delete": False}]
    admin_browser.post(f"{path}/permissions", {"keep": made["user-id"], "power": made["user-id"]})
    users = requests.get(
        controller.url + f"/server-instance/{row['id']}",
        headers=cloudauth.admin.headers,
        timeout=10,
    ).json()["data"]["user-permissions"]
    assert users == [{"user-id": made["user-id"], "power": True, "delete": False}]
    forged = admin_browser.post(f"{path}/permissions", {"keep": uuid.uuid4().hex})
    assert forged.status_int == 400 and "Only the node&#39;s own users" in forged.text

    unconfirmed = admin_browser.post(f"{path}/delete", {})
    assert unconfirmed.status_int == 400 and "Tick the box to confirm" in unconfirmed.text
    bad_power = admin_browser.post(f"{path}/power", {"action": "explode", "from": "node"})
    assert "Choose power on, power off or reboot." in bad_power.follow().text
    admin_browser.get(f"/admin/nodes/1/{uuid.uuid4().hex}", status=404)


# -- cloud controllers and the audit log ------------------------------------------------------


def test_controller_registry_create_update_and_errors(admin_browser, cloudauth):
    name = f"West {uuid.uuid4().hex[:6]}"
    bad = admin_browser.post("/admin/controllers", {"id": "abc", "name": ""})
    assert bad.status_int == 400
    assert "Leave it empty, or give a whole number" in bad.text
    assert "This field is required." in bad.text
    new_id = str(50000 + uuid.uuid4().int % 50000)
    created = admin_browser.post(
        "/admin/controllers", {"id": new_id, "name": name, "description": "lab"}
    )
    assert created.status_int == 302
    listed = {
        c["name"]: c
        for c in cloudauth.get("/cloud_controller/list", cloudauth.admin)["cloud_controllers"]
    }
    cc = listed[name]
    assert str(cc["id"]) == new_id
    dup = admin_browser.post("/admin/controllers", {"name": name})
    assert dup.status_int == 400 and "already exists" in dup.text
    taken = admin_browser.post("/admin/controllers", {"id": "1", "name": name + " b"})
    assert taken.status_int == 400 and "Cloud controller id 1 is taken." in taken.text
    admin_browser.post(
        f"/admin/controllers/{cc['id']}", {"name": name + " renamed", "description": "moved"}
    )
    assert (
        cloudauth.get(f"/cloud_controller/view/{cc['id']}", cloudauth.admin)["name"]
        == name + " renamed"
    )
    empty = admin_browser.post(f"/admin/controllers/{cc['id']}", {"name": ""})
    assert empty.status_int == 400 and "This field is required." in empty.text
    admin_browser.post("/admin/controllers/99999", {"name": "x"}, status=404)
    page = admin_browser.get("/admin/controllers")
    assert name + " renamed" in page.text and "Not configured" in page.text


@pytest.mark.parametrize(
    "params, words",
    [
        ({"since": "yesterday"}, "Give a date as YYYY-MM-DD."),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "The end is before the start."),
        ({"who": "not an address"}, "Give an email address or a user id."),
        ({"who": "nobody-at-all@example.invalid"}, "No user has the address"),
        ({"what": "drop table"}, "Choose one of the listed kinds of event."),
        ({"page": "0"}, "The page is a whole number from 1."),
    ],
)
def test_audit_filters_refuse_bad_input(admin_browser, params, words):
    page = admin_browser.get("/admin/audit", params=params, status=400)
    assert words in page.text


def test_audit_log_filters_by_who_what_and_when(admin_browser, cloudauth, superuser):
    dora = cloudauth.user()
    admin_browser.post(f"/admin/users/{dora.userid}/active", {"active": "0"})
    today = dt.datetime.now(dt.UTC).date().isoformat()
    page = admin_browser.get(
        "/admin/audit",
        params={"who": dora.email, "what": "user.", "since": today, "until": today},
    )
    # dora's creation (by the test's admin) and her deactivation (by the superuser)
    assert "2 events · page 1 of 1" in page.text
    assert "user.created" in page.text and "user.updated" in page.text
    assert superuser.email in page.text
    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()
    later = admin_browser.get("/admin/audit", params={"who": dora.email, "since": tomorrow})
    assert "No event matches these filters." in later.text
