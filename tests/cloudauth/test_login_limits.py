"""Failed-login limits (issue 16, item 2): growing delays per (account, client address); the
account as a whole only against many addresses; one key per account whatever name it was
given by; the browser's address passed by the portal; ``Retry-After`` on every 429.

The test settings (conftest): 3 free failures per account and address, 6 per address, 4
failing addresses per account.
"""

from __future__ import annotations

import webtest
from sqlalchemy import select

from cloudauth.audit.models import AuditEvent
from cloudauth.tokenstore.models import Token

RIGHT = "correct horse"


def attempt(app, who, password, address=None, status=401, client=None):
    form = {"username": who, "password": password}
    if address is not None:
        form["client_address"] = address
    return app.post(
        "/auth/login", form, extra_environ={"REMOTE_ADDR": client or "127.0.0.1"}, status=status
    )


def fail(app, who, times, address=None):
    for _ in range(times):
        attempt(app, who, "wrong", address)


def assert_throttled(response, seconds):
    assert response.status_int == 429
    assert response.json["success"] is False
    assert response.headers["Retry-After"] == str(seconds)
    assert f"{seconds} second" in response.json["message"]


def test_the_right_password_from_another_address_is_not_refused(testapp, users):
    user = users.make()
    fail(testapp, user.email, 4, "198.51.100.1")
    attempt(testapp, user.email, RIGHT, "198.51.100.1", status=429)
    attempt(testapp, user.email, RIGHT, "198.51.100.2", status=200)


def test_the_superuser_is_not_locked_out_by_someone_elses_failures(testapp):
    fail(testapp, "admin", 4, "198.51.100.1")
    attempt(testapp, "admin", "Penguin", "198.51.100.1", status=429)
    attempt(testapp, "admin", "Penguin", "198.51.100.2", status=200)


def test_a_failing_address_meets_growing_delays_with_retry_after(testapp, users, clock):
    user = users.make()
    fail(testapp, user.email, 3, "198.51.100.1")  # free
    attempt(testapp, user.email, "wrong", "198.51.100.1")  # the first delayed failure
    for seconds in (1, 2, 4, 8):
        # Even the right password waits: the password is not even checked.
        assert_throttled(attempt(testapp, user.email, RIGHT, "198.51.100.1", 429), seconds)
        clock.advance(seconds=seconds - 0.5)
        assert_throttled(attempt(testapp, user.email, RIGHT, "198.51.100.1", 429), 1)
        clock.advance(seconds=0.5)
        attempt(testapp, user.email, "wrong", "198.51.100.1")
    clock.advance(seconds=16)
    attempt(testapp, user.email, RIGHT, "198.51.100.1", status=200)
    # A success clears that address's record: its next failure is free again.
    attempt(testapp, user.email, "wrong", "198.51.100.1")
    attempt(testapp, user.email, RIGHT, "198.51.100.1", status=200)


def test_the_delay_never_exceeds_the_failure_window(make_auth_app, users, clock):
    app = webtest.TestApp(make_auth_app(**{"login.failure_window": "10s"}))
    user = users.make()
    fail(app, user.email, 3, "198.51.100.1")
    for _ in range(6):
        attempt(app, user.email, "wrong", "198.51.100.1")
        clock.advance(seconds=10)
    attempt(app, user.email, "wrong", "198.51.100.1")
    assert_throttled(attempt(app, user.email, RIGHT, "198.51.100.1", 429), 10)


def test_failures_are_forgotten_a_window_after_the_last_one(testapp, users, clock):
    user = users.make()
    fail(testapp, user.email, 3, "198.51.100.1")
    clock.advance(minutes=15, seconds=1)
    fail(testapp, user.email, 3, "198.51.100.1")  # free again
    attempt(testapp, user.email, RIGHT, "198.51.100.1", status=200)


def test_admin_and_admin_at_localhost_are_one_account(testapp):
    for name in ("admin", "admin@localhost", "ADMIN@LocalHost", " admin "):
        attempt(testapp, name, "wrong", "198.51.100.1")
    assert_throttled(attempt(testapp, "admin@localhost", "Penguin", "198.51.100.1", 429), 1)
    assert_throttled(attempt(testapp, "admin", "Penguin", "198.51.100.1", 429), 1)


def test_an_unknown_account_is_throttled_like_a_known_one(testapp, users):
    user = users.make(email="real@example.com")
    answers = []
    for login_name, address in (
        (user.email, "198.51.100.1"),
        ("ghost@example.com", "198.51.100.2"),
    ):
        variants = [login_name, login_name.upper(), f" {login_name}", login_name.title()]
        for name in variants:
            attempt(testapp, name, "wrong", address)
        answers.append(attempt(testapp, login_name, "wrong", address, status=429))
    known, unknown = answers
    assert known.json["message"] == unknown.json["message"]
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]


def test_many_failing_addresses_throttle_the_account_but_not_where_its_owner_logs_in(
    testapp, users
):
    user = users.make()
    attempt(testapp, user.email, RIGHT, "203.0.113.9", status=200)  # the owner's usual address
    for i in range(4):
        attempt(testapp, user.email, "wrong", f"198.51.100.{i}")
    response = attempt(testapp, user.email, RIGHT, "198.51.100.200", status=429)
    assert "many addresses" in response.json["message"]
    assert response.headers["Retry-After"] == "1"
    attempt(testapp, user.email, RIGHT, "203.0.113.9", status=200)


def test_one_failing_address_throttles_only_itself_across_accounts(testapp, users):
    regular, newcomer = users.make(), users.make()
    attempt(testapp, regular.email, RIGHT, "198.51.100.1", status=200)
    for i in range(6):
        attempt(testapp, f"nobody{i}@example.com", "wrong", "198.51.100.1")
    attempt(testapp, "nobody9@example.com", "wrong", "198.51.100.1")
    response = attempt(testapp, newcomer.email, RIGHT, "198.51.100.1", status=429)
    assert "this address" in response.json["message"]
    assert response.headers["Retry-After"] == "1"
    # Other addresses, and an account that has logged in from this one before, are not refused.
    attempt(testapp, newcomer.email, RIGHT, "198.51.100.2", status=200)
    attempt(testapp, regular.email, RIGHT, "198.51.100.1", status=200)


def test_without_client_address_the_calling_host_is_the_client(testapp, users):
    user = users.make()
    fail(testapp, user.email, 4)
    assert_throttled(attempt(testapp, user.email, RIGHT, status=429), 1)
    attempt(testapp, user.email, RIGHT, "198.51.100.2", status=200)


def test_ipv6_clients_are_counted_per_64_network(testapp, users):
    user = users.make()
    for host in range(1, 5):
        attempt(testapp, user.email, "wrong", f"2001:db8:1:2::{host}")
    assert_throttled(attempt(testapp, user.email, RIGHT, "2001:db8:1:2:ffff::1", 429), 1)
    attempt(testapp, user.email, RIGHT, "2001:db8:1:3::1", status=200)


def test_client_address_goes_into_the_token_and_the_audit_log(testapp, users, db):
    user = users.make()
    attempt(testapp, user.email, RIGHT, " 2001:DB8::7 ", status=200)
    attempt(testapp, user.email, "wrong", "198.51.100.8")
    assert db.scalar(select(Token.client_addr).where(Token.user_id == user.id)) == "2001:db8::7"
    rows = db.execute(select(AuditEvent.event, AuditEvent.client_addr, AuditEvent.detail)).all()
    by_event = {event: (addr, detail) for event, addr, detail in rows}
    assert by_event["login.succeeded"][0] == "2001:db8::7"
    assert by_event["login.failed"][0] == "198.51.100.8"
    assert "via 127.0.0.1" in by_event["login.failed"][1]


def test_a_malformed_client_address_is_refused(testapp):
    for bad in ("not-an-ip", "198.51.100.300", "1.2.3.4, 5.6.7.8", "x" * 80):
        response = attempt(testapp, "admin", "Penguin", bad, status=400)
        assert "client_address" in response.json["message"]


def test_client_address_from_a_host_outside_login_allowed_hosts_is_refused(testapp, users):
    user = users.make()
    # 10.9.0.0/16 may call /auth/authenticate (SCW) but is not a login host.
    form = {"username": user.email, "password": RIGHT}
    calls = {"extra_environ": {"REMOTE_ADDR": "10.9.1.1"}}
    testapp.post("/auth/authenticate", form, **calls, status=200)
    response = testapp.post(
        "/auth/authenticate", dict(form, client_address="198.51.100.1"), **calls, status=400
    )
    assert "login_allowed.hosts" in response.json["message"]


def test_the_portal_passes_the_address_to_sso_logins(make_auth_app, db):
    app = webtest.TestApp(make_auth_app(auth_sso="true"))
    body = app.post(
        "/auth/sso_login",
        {"sso_identity": "idp!a", "email": "a@example.com", "client_address": "198.51.100.4"},
        extra_environ={"REMOTE_ADDR": "127.0.0.1"},
    ).json
    row = db.scalar(select(Token).where(Token.user_id == body["data"]["userid"]))
    assert row.client_addr == "198.51.100.4"
    app.post(
        "/auth/sso_login",
        {"sso_identity": "idp!a", "email": "a@example.com", "client_address": "nope"},
        extra_environ={"REMOTE_ADDR": "127.0.0.1"},
        status=400,
    )


def test_a_deactivated_account_still_answers_403_not_a_lockout(testapp, users):
    user = users.make(active=0)
    fail(testapp, user.email, 2, "198.51.100.1")
    attempt(testapp, user.email, RIGHT, "198.51.100.1", status=403)
