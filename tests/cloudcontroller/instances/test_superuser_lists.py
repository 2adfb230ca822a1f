"""The superuser's lists of thousands (issue 12): ``GET /server-instance`` with search, sort and
paging; and changes made with a masquerade token, recorded in Cloud Auth's audit log."""

from __future__ import annotations

import datetime as dt

from cloudcontroller.instances import models as m
from tests import live


def _rows(owners, count, start):
    return [
        {
            "id": m.new_uuid(),
            "cloudauth_id": owners[i % len(owners)].userid,
            "image_id": "img",
            "flavor_id": str(1 + i % 3),
            "hostname": f"node-{i:03d}",
            "public_ip": f"203.0.113.{i % 250}",
            "desired": m.ON,
            "status": m.ACTIVE if i % 4 else m.STOPPED,
            "pending": False,
            "generation": 1,
            "reboot_pending": False,
            "created_at": start + dt.timedelta(minutes=i),
            "updated_at": start,
        }
        for i in range(count)
    ]


def _insert(stack, rows):
    with stack.db() as db:
        db.execute(m.ServerInstance.__table__.insert(), rows)
        db.commit()


def _page(stack, who, **params):
    body = stack.app.get("/server-instance", params, headers=who.headers).json
    return body["total"], body["data"]


def test_paging_sorting_and_search_against_seeded_rows(stack, cloudauth):
    alice, bob = cloudauth.user(), cloudauth.user()
    rows = _rows([alice, bob], 120, dt.datetime(2026, 2, 1))
    _insert(stack, rows)
    admin = cloudauth.admin

    total, first = _page(stack, admin, limit="25")
    assert total == 120
    assert [i["id"] for i in first] == [r["id"] for r in rows[:25]]  # creation order
    _, third = _page(stack, admin, limit="25", offset="50")
    assert [i["hostname"] for i in third] == [f"node-{i:03d}" for i in range(50, 75)]

    _, by_host = _page(stack, admin, sort="hostname", order="desc", limit="3")
    assert [i["hostname"] for i in by_host] == ["node-119", "node-118", "node-117"]
    expected = sorted(rows, key=lambda r: (r["flavor_id"], r["id"]))
    _, by_flavor = _page(stack, admin, sort="server-flavor", limit="1000")
    assert [i["id"] for i in by_flavor] == [r["id"] for r in expected]

    total, found = _page(stack, admin, search="NODE-01", limit="50")
    assert total == 10 and {i["hostname"] for i in found} == {f"node-01{d}" for d in range(10)}
    total, _ = _page(stack, admin, search="stopped")
    assert total == 30
    total, _ = _page(stack, admin, search=bob.userid)
    assert total == 60
    assert _page(stack, admin, search="%")[0] == 0  # a literal, not a wildcard

    # the owner's own visibility still applies to a paged listing
    total, mine = _page(stack, alice, limit="1000")
    assert total == 60 and {i["cloudauth-id"] for i in mine} == {alice.userid}

    # the page matches the item's own answer, and the plain listing is unchanged
    assert first[0] == stack.get(admin, rows[0]["id"])
    plain = stack.app.get("/server-instance", headers=admin.headers).json
    assert "total" not in plain and len(plain["data"]) == 120


def test_deleted_false_leaves_out_deleted_instances_from_the_list_and_its_total(stack, cloudauth):
    carol = cloudauth.user()
    rows = _rows([carol], 6, dt.datetime(2026, 3, 1))
    for row in rows[::2]:
        row["status"] = m.DELETED
    _insert(stack, rows)
    live_ids = [r["id"] for r in rows[1::2]]
    total, newest = _page(stack, carol, deleted="false", sort="creation-date", order="desc")
    assert total == 3 and [i["id"] for i in newest] == live_ids[::-1]
    total, first = _page(stack, carol, deleted="false", limit="2")
    assert total == 3 and [i["id"] for i in first] == live_ids[:2]
    plain = stack.app.get("/server-instance", {"deleted": "no"}, headers=carol.headers).json
    assert [i["id"] for i in plain["data"]] == live_ids and "total" not in plain
    # Absent or true: every instance, DELETED ones included, as before.
    for params in ({}, {"deleted": "true"}):
        body = stack.app.get("/server-instance", params, headers=carol.headers).json
        assert len(body["data"]) == 6
    bad = stack.app.get("/server-instance", {"deleted": "maybe"}, headers=carol.headers, status=400)
    assert "deleted" in bad.json["msg"]


def test_bad_paging_parameters_are_400(stack, cloudauth):
    admin = cloudauth.admin
    for params, words in (
        ({"sort": "password"}, "sort must be one of"),
        ({"order": "up"}, "order must be asc or desc"),
        ({"limit": "0"}, "limit must be between"),
        ({"limit": "5000"}, "limit must be between"),
        ({"offset": "-1"}, "offset must be between"),
        ({"limit": "ten"}, "whole number"),
    ):
        response = stack.app.get("/server-instance", params, headers=admin.headers, status=400)
        assert words in response.json["msg"], (params, response.json)


def _masquerade(cloudauth, target) -> live.Who:
    body = cloudauth.http.post(
        cloudauth.url + "/auth/masquerade",
        data={"userid": target.userid},
        headers=cloudauth.admin.headers,
        timeout=10,
    ).json()
    assert body["success"], body
    token = body["authentication_token"]
    return live.Who(
        target.userid, target.email, {"X-Auth-Token": token, "X-Auth-Cloudauth-Id": target.userid}
    )


def test_a_change_with_a_masquerade_token_is_in_cloud_auths_audit_log(stack, cloudauth):
    alice = cloudauth.user()
    [row] = _rows([alice], 1, dt.datetime(2026, 2, 1))
    _insert(stack, [row])
    viewer = _masquerade(cloudauth, alice)
    path = f"/server-instance/{row['id']}"
    stack.app.put_json(path, {"users": []}, headers=viewer.headers)
    events = cloudauth.get(
        "/audit/list", cloudauth.admin, userid=alice.userid, event="masquerade.change"
    )["events"]
    assert [e["detail"] for e in events] == [f"cloudcontroller 1: PUT {path} -> 200"]
    assert events[0]["actor_userid"] == alice.userid
    assert events[0]["masquerader_userid"] == cloudauth.admin.userid
    # reads and the user's own changes are not recorded as masquerade changes
    stack.app.get(path, headers=viewer.headers)
    stack.app.put_json(path, {"users": []}, headers=alice.headers)
    again = cloudauth.get(
        "/audit/list", cloudauth.admin, event="masquerade.change", userid=alice.userid
    )
    assert again["total"] == 1


def test_a_change_that_cannot_be_audited_is_not_made(stack, make_stack, cloudauth):
    alice = cloudauth.user()
    bob_id = stack.system_user(cloudauth.user())
    [row] = _rows([alice], 1, dt.datetime(2026, 2, 1))
    _insert(stack, [row])
    viewer = _masquerade(cloudauth, alice)
    path = f"/server-instance/{row['id']}"
    stack.get(viewer, row["id"])  # the token check is now in the shared cache
    # the same controller, but Cloud Auth cannot be reached from it any more
    cut_off = make_stack(**{"cloudauth.url": f"http://127.0.0.1:{live.free_port()}"})
    response = cut_off.app.put_json(path, {"users": [bob_id]}, headers=viewer.headers, status=503)
    assert "not made" in response.json["msg"]
    assert stack.get(alice, row["id"])["users"] == []
