"""Masquerade ("view as"): who may open one, what the token is, and the audit rows naming both
the user and the superuser behind every change made with it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cloudauth.audit.models import AuditEvent


def _masquerade(testapp, headers, target, status=201, **form):
    return testapp.post(
        "/auth/masquerade", {"userid": target.id, **form}, headers=headers, status=status
    )


def _headers(body) -> dict:
    return {
        "X-Auth-Token": body["authentication_token"],
        "X-Auth-Cloudauth-Id": body["data"]["userid"],
    }


def _events(db, event):
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.event == event)))


def test_superuser_gets_a_token_for_the_user_that_names_them(testapp, users, db):
    admin, alice = users.admin(), users.make(roles=["account_owner"])
    body = _masquerade(testapp, users.token(admin), alice).json
    assert body["data"]["userid"] == alice.id
    assert body["data"]["masquerade"] == {"userid": admin.id, "email": "admin@localhost"}
    assert len(body["authentication_token"]) == 32
    checked = testapp.get(
        "/auth/verify_token", {"auth_token": body["authentication_token"], "userid": alice.id}
    ).json["data"]
    assert checked["user"]["id"] == alice.id
    assert checked["roles"] == ["account_owner"]
    assert checked["masquerade"] == {"userid": admin.id, "email": "admin@localhost"}
    # an ordinary token's answer keeps its shape
    plain = users.token(alice)["X-Auth-Token"]
    answer = testapp.get("/auth/verify_token", {"auth_token": plain, "userid": alice.id}).json
    assert "masquerade" not in answer["data"]
    [started] = _events(db, "masquerade.started")
    assert (started.actor_userid, started.subject_userid) == (admin.id, alice.id)


def test_masquerade_token_ends_with_the_superusers_own(testapp, users, clock):
    admin, alice = users.admin(), users.make()
    short = users.token(admin, lifetime_hours=0.25)
    body = _masquerade(testapp, short, alice).json
    expires = dt.datetime.fromisoformat(body["expires_at_utc"][:19])
    assert expires <= clock() + dt.timedelta(minutes=15)


def test_only_the_superuser_may_masquerade(testapp, users):
    owner = users.make(roles=["account_owner"])
    managed = users.make(owner=owner)
    response = _masquerade(testapp, users.token(owner), managed, status=403)
    assert "only the superuser" in response.json["message"]
    testapp.post("/auth/masquerade", {"userid": managed.id}, status=401)


def test_targets_refused_superuser_self_inactive_unknown_and_junk(testapp, users):
    admin = users.admin()
    headers = users.token(admin)
    other_super = users.make(roles=["superuser"])
    assert "superuser" in _masquerade(testapp, headers, other_super, status=403).json["message"]
    assert "yourself" in _masquerade(testapp, headers, admin, status=400).json["message"]
    gone = users.make(active=0)
    assert "deactivated" in _masquerade(testapp, headers, gone, status=409).json["message"]
    unknown = "0" * 32
    testapp.post("/auth/masquerade", {"userid": unknown}, headers=headers, status=404)
    bad = testapp.post("/auth/masquerade", {"userid": "../x"}, headers=headers, status=400)
    assert "UUID" in bad.json["message"]
    testapp.post("/auth/masquerade", {}, headers=headers, status=400)


def test_a_masquerade_token_cannot_open_another(testapp, users):
    admin, alice, bob = users.admin(), users.make(), users.make()
    masq = _headers(_masquerade(testapp, users.token(admin), alice).json)
    response = _masquerade(testapp, masq, bob, status=403)
    assert "cannot open another" in response.json["message"]


def test_changes_with_the_token_are_audited_with_both_identities(testapp, users, db):
    admin, alice = users.admin(), users.make(roles=["account_owner"])
    masq = _headers(_masquerade(testapp, users.token(admin), alice).json)
    testapp.post(f"/user/update/{alice.id}", {"name": "Alice Viewed"}, headers=masq)
    testapp.post(f"/api_key/create/{alice.id}", headers=masq, status=201)
    [updated] = _events(db, "user.updated")
    assert (updated.actor_userid, updated.masquerader_userid) == (alice.id, admin.id)
    [created] = _events(db, "api_key.created")
    assert created.masquerader_userid == admin.id
    listed = testapp.get(
        "/audit/list", {"userid": admin.id, "masquerade": "true"}, headers=users.token(admin)
    ).json["data"]
    assert {e["event"] for e in listed["events"]} == {"user.updated", "api_key.created"}
    assert all(e["masquerader_userid"] == admin.id for e in listed["events"])


def test_own_changes_carry_no_masquerader(testapp, users, db):
    alice = users.make(roles=["account_owner"])
    testapp.post(f"/user/update/{alice.id}", {"name": "Me"}, headers=users.token(alice))
    [updated] = _events(db, "user.updated")
    assert updated.masquerader_userid is None


def test_other_services_record_changes_with_identities_from_the_token(testapp, users, db):
    admin, alice = users.admin(), users.make()
    masq = _headers(_masquerade(testapp, users.token(admin), alice).json)
    testapp.post(
        "/audit/record",
        {"service": "cloudcontroller 1", "action": "PUT /server-instance/abc", "status": "200"},
        headers=masq,
        status=201,
    )
    [row] = _events(db, "masquerade.change")
    assert (row.actor_userid, row.masquerader_userid) == (alice.id, admin.id)
    assert row.detail == "cloudcontroller 1: PUT /server-instance/abc -> 200"


def test_record_refuses_ordinary_tokens_and_bad_fields(testapp, users, db):
    admin, alice = users.admin(), users.make()
    form = {"service": "cc", "action": "POST /user"}
    response = testapp.post("/audit/record", form, headers=users.token(alice), status=403)
    assert "masquerade token" in response.json["message"]
    testapp.post("/audit/record", form, headers=users.token(admin), status=403)
    masq = _headers(_masquerade(testapp, users.token(admin), alice).json)
    for bad in (
        {"service": "<script>", "action": "x"},
        {"service": "cc", "action": "bad\x07bell"},
        {"service": "cc"},
        {"service": "cc", "action": "x", "status": "abc"},
    ):
        testapp.post("/audit/record", bad, headers=masq, status=400)
    assert _events(db, "masquerade.change") == []


def test_end_revokes_the_token_and_is_audited(testapp, users, db):
    admin, alice = users.admin(), users.make()
    body = _masquerade(testapp, users.token(admin), alice).json
    masq = _headers(body)
    testapp.post("/auth/masquerade/end", headers=masq)
    testapp.get(
        "/auth/verify_token",
        {"auth_token": body["authentication_token"], "userid": alice.id},
        status=401,
    )
    [ended] = _events(db, "masquerade.ended")
    assert (ended.actor_userid, ended.masquerader_userid) == (alice.id, admin.id)
    # an ordinary token is not ended by this call
    plain = users.token(alice)
    assert (
        "not a masquerade"
        in testapp.post("/auth/masquerade/end", headers=plain, status=400).json["message"]
    )


def test_superuser_losing_the_role_ends_their_masquerades(testapp, users, db):
    admin, alice = users.admin(), users.make()
    second = users.make(roles=["superuser"])
    body = _masquerade(testapp, users.token(second), alice).json
    check = {"auth_token": body["authentication_token"], "userid": alice.id}
    testapp.get("/auth/verify_token", check)  # cached now
    roles = testapp.get("/role/list", headers=users.token(admin)).json["data"]["roles"]
    su = next(r["id"] for r in roles if r["name"] == "superuser")
    testapp.post(f"/role/remove_user/{su}", {"user_id": second.id}, headers=users.token(admin))
    testapp.get("/auth/verify_token", check, status=401)


def test_superusers_password_change_revokes_their_masquerade_tokens(testapp, users):
    admin, alice = users.admin(), users.make()
    second = users.make(roles=["superuser"])
    body = _masquerade(testapp, users.token(second), alice).json
    check = {"auth_token": body["authentication_token"], "userid": alice.id}
    testapp.get("/auth/verify_token", check)
    testapp.post(
        f"/user/set_password/{second.id}",
        {"password": "another long one"},
        headers=users.token(admin),
    )
    testapp.get("/auth/verify_token", check, status=401)


def test_audit_list_filters_by_what_and_when(testapp, users, clock):
    admin, alice = users.admin(), users.make()
    headers = users.token(admin)
    _masquerade(testapp, headers, alice)
    today = clock().date().isoformat()
    data = testapp.get(
        "/audit/list",
        {"event_prefix": "masquerade.", "since": today, "until": today, "userid": alice.id},
        headers=headers,
    ).json["data"]
    assert [e["event"] for e in data["events"]] == ["masquerade.started"]
    tomorrow = (clock().date() + dt.timedelta(days=1)).isoformat()
    later = testapp.get(
        "/audit/list", {"since": tomorrow, "userid": alice.id}, headers=headers
    ).json["data"]
    assert later["total"] == 0
    bad = testapp.get("/audit/list", {"since": "yesterday"}, headers=headers, status=400)
    assert "YYYY-MM-DD" in bad.json["message"]
    testapp.get("/audit/list", {"since": tomorrow, "until": today}, headers=headers, status=400)
    # an event prefix is matched literally: % is no wildcard
    literal = {"event_prefix": "%", "userid": alice.id}
    assert testapp.get("/audit/list", literal, headers=headers).json["data"]["total"] == 0
