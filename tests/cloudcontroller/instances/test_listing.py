"""``GET /server-instance`` builds its answer from plain rows (services.list_json_text): every
entry equals the item's own ``GET``, user lists and permissions included, in creation order."""

from __future__ import annotations

import datetime as dt

from cloudcontroller.instances import listing as services
from cloudcontroller.instances import models as m


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


def test_a_listing_longer_than_a_batch_is_every_instance_in_creation_order(stack, cloudauth):
    """The listing is encoded a batch at a time (services.LIST_BATCH): the batches join into
    one array, every entry (deletion date, status reason, users) equal to the item's GET."""
    owner, friend = cloudauth.user(), cloudauth.user()
    stack.system_user(owner)
    friend_id = stack.system_user(friend)
    count = 2 * services.LIST_BATCH + 7
    start = dt.datetime(2026, 1, 2, 3, 4, 5, 678901)
    rows = [
        {
            "id": m.new_uuid(),
            "cloudauth_id": owner.userid,
            "image_id": "img",
            "flavor_id": "1",
            "hostname": f"vm{i}" if i % 5 else "",
            "desired": m.GONE,
            "status": m.ERROR if i % 7 == 0 else m.DELETED,
            "status_reason": f'failed "{i}"\n' if i % 7 == 0 else None,
            "pending": False,
            "generation": 1,
            "reboot_pending": False,
            "created_at": start + dt.timedelta(seconds=count - i),  # newest first
            "updated_at": start,
            "deleted_at": None if i % 7 == 0 else start + dt.timedelta(days=1),
        }
        for i in range(count)
    ]
    with stack.db() as db:
        db.execute(m.ServerInstance.__table__.insert(), rows)
        db.execute(
            m.InstanceUser.__table__.insert(),
            [{"instance_id": r["id"], "user_id": friend_id, "can_power": True} for r in rows[::3]],
        )
        db.commit()

    response = stack.app.get("/server-instance", headers=owner.headers)
    assert response.content_type == "application/json"
    assert response.json["success"] is True
    assert response.json["msg"] == ""
    listed = response.json["data"]
    assert [i["id"] for i in listed] == [r["id"] for r in reversed(rows)]
    assert listed == [stack.get(owner, r["id"]) for r in reversed(rows)]
    assert listed[-1]["status-reason"] == 'failed "0"\n'
    assert "hostname" not in listed[-1]
    assert listed[-2]["deletion-date"] == "2026-01-03T03:04:05"
    # Cut to the second, not rounded.
    second = start + dt.timedelta(seconds=count - 1)
    assert listed[-2]["creation-date"] == second.strftime("%Y-%m-%dT%H:%M:%S")
    assert listed[-1]["user-permissions"] == [
        {"user-id": friend_id, "power": True, "delete": False}
    ]
    assert listed[-2]["users"] == []
    shared = stack.app.get("/server-instance", headers=friend.headers).json["data"]
    assert [i["id"] for i in shared] == [r["id"] for r in reversed(rows[::3])]
