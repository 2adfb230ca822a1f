"""``GET /server-instance`` builds its answer from plain rows (services.list_json): every entry
equals the item's own ``GET``, user lists and permissions included, in creation order."""

from __future__ import annotations


def test_listing_matches_each_item_with_users_and_permissions(stack, cloudauth, clock):
    owner, friend, other = cloudauth.user(), cloudauth.user(), cloudauth.user()
    stack.system_user(owner)
    friend_id = stack.system_user(friend)
    other_id = stack.system_user(other)
    grants = [
        {"user-id": other_id, "power": True, "delete": False},
        {"user-id": friend_id, "power": False, "delete": True},
    ]
    ids = []
    for users in ([], grants, [friend_id]):
        ids.append(stack.create(owner, users=users)["data"]["id"])
        clock.advance(seconds=1)

    listed = stack.app.get("/server-instance", headers=owner.headers).json["data"]
    assert [i["id"] for i in listed] == ids
    assert listed == [stack.get(owner, i) for i in ids]
    assert listed[1]["users"] == [other_id, friend_id]
    assert listed[1]["user-permissions"] == grants
    assert listed[2]["user-permissions"] == [
        {"user-id": friend_id, "power": False, "delete": False}
    ]

    shared = stack.app.get("/server-instance", headers=friend.headers).json["data"]
    assert [i["id"] for i in shared] == ids[1:]
    assert stack.app.get("/server-instance", headers=other.headers).json["data"] == [listed[1]]
    built = stack.app.get("/server-instance", {"status": "build"}, headers=owner.headers).json[
        "data"
    ]
    assert [i["id"] for i in built] == ids
    assert (
        stack.app.get("/server-instance", {"status": "ACTIVE"}, headers=owner.headers).json["data"]
        == []
    )


def test_an_empty_listing(stack, cloudauth):
    who = cloudauth.user()
    assert stack.app.get("/server-instance", headers=who.headers).json["data"] == []
