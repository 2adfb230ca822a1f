"""/user: the local driver's effect on a temporary root's passwd/group, the NIS map rebuild,
LDAP mode (Keystone only), the Cloud Auth registration, and all-or-nothing creation."""

from __future__ import annotations

import pytest

from cloudcontroller.accounts.ids import allocate
from tests.cloudcontroller.accounts.helpers import unique_name


def passwd(root):
    return {
        line.split(":")[0]: line.split(":")
        for line in (root / "etc" / "passwd").read_text().splitlines()
    }


def test_local_driver_adds_the_account_keystone_user_and_cloudauth_account(
    app_with, cloudauth, sysroot, simulator
):
    app = app_with()
    who = cloudauth.user()
    name = unique_name()
    body = app.post_json("/user", {"system-name": name}, headers=who.headers, status=201).json
    data = body["data"]
    assert data["cloudauth-id"] == who.userid
    assert data["system-name"] == name
    assert data["system-primary-group"] == name
    entry = passwd(sysroot)[name]
    assert int(entry[2]) == data["uid"] >= 10000
    assert entry[3] == entry[2]  # user private group
    assert entry[5] == f"/home/{name}"
    assert entry[4] == f"SCM {who.userid}"  # marks SCM's own entries (a crash's leftover)
    assert f"{name}:x:{data['uid']}:" in (sysroot / "etc" / "group").read_text()
    assert name in (sysroot / "etc" / "shadow").read_text()
    # registered back in Cloud Auth, uuid = the controller's user-id
    accounts = cloudauth.get("/user/view/" + who.userid, cloudauth.admin)["system_accounts"]
    assert [(a["username"], a["uuid"], a["cloud_controller_id"]) for a in accounts] == [
        (name, data["user-id"], 1)
    ]
    # listed and filtered
    listed = app.get("/user", {"system-name": name}, headers=who.headers).json["data"]
    assert [u["user-id"] for u in listed] == [data["user-id"]]
    app.get(
        "/user", {"system-name": name, "cloudauth-id": who.userid}, headers=who.headers, status=400
    )


def test_two_users_get_distinct_ids_skipping_ids_already_on_the_host(app_with, cloudauth, sysroot):
    (sysroot / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\nold:x:10000:10000::/home/old:/bin/sh\n"
    )
    app = app_with()
    uids = []
    for _ in range(2):
        who = cloudauth.user()
        uids.append(
            app.post_json("/user", {"system-name": unique_name()}, headers=who.headers).json[
                "data"
            ]["uid"]
        )
    assert 10000 not in uids and len(set(uids)) == 2


def test_a_number_claimed_by_another_controller_is_skipped(cc_session_factory):
    db = cc_session_factory()
    first = allocate(db, "user", "a", 20000, 20010, set())
    # another controller sharing the database claimed the next number meanwhile
    from cloudcontroller.accounts.models import UnixId

    db.add(UnixId(number=first + 1, kind="user", name="other"))
    db.flush()
    assert allocate(db, "user", "b", 20000, 20010, set()) == first + 2


def test_nis_driver_rebuilds_the_maps(app_with, cloudauth, sysroot, nis_make):
    app = app_with(**{"users.driver": "nis", "users.nis.make": f"{nis_make.path} -C /var/yp"})
    who = cloudauth.user()
    name = unique_name()
    app.post_json("/user", {"system-name": name}, headers=who.headers, status=201)
    assert name in passwd(sysroot)
    assert nis_make.calls == [["-C", "/var/yp"]]


@pytest.mark.parametrize("name", ["Root", "1abc", "a" * 33, "a b", "x;rm"])
def test_invalid_unix_names_are_refused(app_with, cloudauth, name):
    who = cloudauth.user()
    body = app_with().post_json("/user", {"system-name": name}, headers=who.headers, status=400)
    assert "not a valid UNIX name" in body.json["msg"]


def test_malformed_json_is_a_clear_400(app_with, cloudauth):
    who = cloudauth.user()
    app = app_with()
    body = app.post(
        "/user", "{nope", headers=who.headers, content_type="application/json", status=400
    )
    assert body.json["msg"] == "the request body must be a JSON object"
    body = app.post_json("/user", {"system-name": 5}, headers=who.headers, status=400)
    assert body.json["msg"] == "system-name must be a string"


def test_second_account_and_taken_names_conflict(app_with, cloudauth):
    app = app_with()
    who, other = cloudauth.user(), cloudauth.user()
    name = unique_name()
    app.post_json("/user", {"system-name": name}, headers=who.headers)
    app.post_json("/user", {"system-name": unique_name()}, headers=who.headers, status=409)
    app.post_json("/user", {"system-name": name}, headers=other.headers, status=409)


def test_a_system_user_outside_scm_range_is_never_taken_over(app_with, cloudauth, sysroot):
    with (sysroot / "etc" / "passwd").open("a") as f:
        f.write("daemonx:x:120:120::/:/sbin/nologin\n")
    who = cloudauth.user()
    app_with().post_json("/user", {"system-name": "daemonx"}, headers=who.headers, status=409)


def test_users_create_accounts_only_for_themselves_or_managed_users(app_with, cloudauth):
    app = app_with()
    owner = cloudauth.user(roles=["account_owner"])
    managed = cloudauth.user(owner=owner)
    stranger = cloudauth.user()
    app.post_json(
        "/user",
        {"system-name": unique_name(), "cloudauth-id": stranger.userid},
        headers=owner.headers,
        status=403,
    )
    made = app.post_json(
        "/user",
        {"system-name": unique_name(), "cloudauth-id": managed.userid},
        headers=owner.headers,
        status=201,
    ).json["data"]
    app.get(f"/user/{made['user-id']}", headers=owner.headers)
    app.get(f"/user/{made['user-id']}", headers=managed.headers)
    app.get(f"/user/{made['user-id']}", headers=stranger.headers, status=404)
    assert app.get("/user", headers=stranger.headers).json["data"] == []


def test_failure_half_way_undoes_every_step(app_with, cloudauth, sysroot, simulator):
    # Cloud controller 99 is unknown to Cloud Auth: registration (the last step) fails after the
    # passwd entry and the Keystone user were made; both must be undone.
    app = app_with(cloud_controller_id="99")
    who = cloudauth.user()
    name = unique_name()
    app.post_json("/user", {"system-name": name}, headers=who.headers, status=404)
    assert name not in passwd(sysroot)
    assert name not in (sysroot / "etc" / "group").read_text()
    assert app.get("/user", {"system-name": name}, headers=who.headers).json["data"] == []


def test_a_retry_after_a_crash_resumes_with_the_leftover_account(app_with, cloudauth, sysroot):
    # A crash after useradd but before the commit leaves the passwd entry (uid in SCM's range)
    # and no row: the retry adopts it instead of failing or duplicating it.
    # SCM marks its entries with the Cloud Auth user (GECOS), so only a retry for the same user
    # adopts one (test_takeover.py: anyone else's is refused).
    name = unique_name()
    who = cloudauth.user()
    line = f"{name}:x:10042:10042:SCM {who.userid}:/home/{name}:/bin/bash"
    with (sysroot / "etc" / "passwd").open("a") as f:
        f.write(line + "\n")
    with (sysroot / "etc" / "group").open("a") as f:
        f.write(f"{name}:x:10042:\n")
    data = app_with().post_json("/user", {"system-name": name}, headers=who.headers).json["data"]
    assert data["uid"] == 10042
    assert [ln for ln in (sysroot / "etc" / "passwd").read_text().splitlines() if name in ln] == [
        line
    ]


def test_a_retry_replaces_the_registration_a_crash_left_in_cloudauth(
    app_with, cloudauth, registered_controller
):
    # A crash after the Cloud Auth registration, before the commit: Cloud Auth answers 409 to
    # the retry's registration; the leftover (same user, same name) is replaced by one naming
    # the new row, and a different name is a clear 409.
    who = cloudauth.user()
    name = unique_name()
    cloudauth.post(
        "/system_account/create",
        cloudauth.admin,
        user_id=who.userid,
        username=name,
        uuid="crashed-attempt",
        cloud_controller_id="1",
    )
    app = app_with()
    body = app.post_json("/user", {"system-name": unique_name()}, headers=who.headers, status=409)
    assert "already has a system account" in body.json["msg"]
    data = app.post_json("/user", {"system-name": name}, headers=who.headers).json["data"]
    accounts = cloudauth.get("/user/view/" + who.userid, cloudauth.admin)["system_accounts"]
    assert [(a["username"], a["uuid"]) for a in accounts] == [(name, data["user-id"])]
