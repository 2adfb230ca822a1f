"""An account owner's managed users are cached for a minute (common.ownership.MANAGED_TTL); a
user created a moment ago must not be missing from their choices for that minute: a user id
the cached list lacks is looked for again in Cloud Auth, once per request, before the answer is
no (issue 11)."""

from __future__ import annotations

from tests.cloudcontroller.accounts.helpers import unique_name


class CountingCloudAuth:
    """Counts the controller's calls to Cloud Auth's /user/list, then makes them."""

    def __init__(self, client):
        self.client, self.user_lists = client, 0

    def call_as(self, caller, method, path, params=None):
        if path == "/user/list":
            self.user_lists += 1
        return self.client.call_as(caller, method, path, params)

    def __getattr__(self, name):
        return getattr(self.client, name)


def counted(app) -> CountingCloudAuth:
    registry = app.app.registry
    spy = CountingCloudAuth(registry["scm.cloudauth"])
    registry["scm.cloudauth"] = spy
    return spy


def account(app, who, **body) -> dict:
    body.setdefault("system-name", unique_name())
    return app.post_json("/user", body, headers=who.headers, status=201).json["data"]


def test_a_managed_user_created_after_the_list_was_cached_is_listed_at_once(app_with, cloudauth):
    app = app_with()
    owner = cloudauth.user(roles=["account_owner"])
    mine = account(app, owner)
    assert [u["user-id"] for u in app.get("/user", headers=owner.headers).json["data"]] == [
        mine["user-id"]
    ]  # the owner's (empty) list of managed users is now cached
    newcomer = cloudauth.user(owner=owner)
    theirs = account(app, newcomer)

    # Asked for by name, the new user's account is found (the list is read again)...
    found = app.get("/user", {"cloudauth-id": newcomer.userid}, headers=owner.headers).json["data"]
    assert [u["user-id"] for u in found] == [theirs["user-id"]]
    # ...and the fresh list now serves the unfiltered listing too.
    listed = {u["user-id"] for u in app.get("/user", headers=owner.headers).json["data"]}
    assert listed == {mine["user-id"], theirs["user-id"]}


def test_a_group_with_a_just_created_managed_user_is_accepted(app_with, cloudauth, sysroot):
    app = app_with()
    owner = cloudauth.user(roles=["account_owner"])
    mine = account(app, owner)
    app.get("/user", headers=owner.headers)  # cached: nobody managed yet
    newcomer = cloudauth.user(owner=owner)
    theirs = account(app, newcomer)
    spy = counted(app)
    name = unique_name("g")
    group = app.post_json(
        "/group",
        {"group-name": name, "group-members": [mine["user-id"], theirs["user-id"]]},
        headers=owner.headers,
        status=201,
    ).json["data"]
    assert sorted(group["group-members"]) == sorted([mine["user-id"], theirs["user-id"]])
    assert spy.user_lists == 1  # one fresh read, not one per member


def test_the_owner_creates_an_account_for_a_just_created_managed_user(app_with, cloudauth):
    app = app_with()
    owner = cloudauth.user(roles=["account_owner"])
    app.get("/user", headers=owner.headers)
    newcomer = cloudauth.user(owner=owner)
    made = account(app, owner, **{"cloudauth-id": newcomer.userid})
    assert made["cloudauth-id"] == newcomer.userid


def test_a_stranger_is_still_refused_after_one_fresh_read_per_request(app_with, cloudauth):
    app = app_with()
    owner = cloudauth.user(roles=["account_owner"])
    account(app, owner)
    app.get("/user", headers=owner.headers)
    strangers = [cloudauth.user(), cloudauth.user()]
    spy = counted(app)
    for stranger in strangers:
        app.post_json(
            "/user",
            {"system-name": unique_name(), "cloudauth-id": stranger.userid},
            headers=owner.headers,
            status=403,
        )
        listed = app.get("/user", {"cloudauth-id": stranger.userid}, headers=owner.headers)
        assert listed.json["data"] == []
    # Each request read the list again once, and no more.
    assert spy.user_lists == 4


def test_a_user_who_manages_nobody_never_asks_again(app_with, cloudauth):
    app = app_with()
    plain, stranger = cloudauth.user(), cloudauth.user()
    spy = counted(app)
    app.post_json(
        "/user",
        {"system-name": unique_name(), "cloudauth-id": stranger.userid},
        headers=plain.headers,
        status=403,
    )
    assert spy.user_lists == 0
