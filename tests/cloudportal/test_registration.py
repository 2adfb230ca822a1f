"""Self-registration through a real SMTP sink, forgotten passwords, and every bad link: the
portal over real HTTP to a live Cloud Auth (tests/cloudportal/conftest.py)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import requests
import webtest
from sqlalchemy import select

from cloudportal.models import MailedLink
from common.clock import FrozenClock
from tests.cloudportal.conftest import PASSWORD, login

SITE = "https://portal.example.com"
NEW = "my own new password"


def _address() -> str:
    return f"reg-{uuid.uuid4().hex[:10]}@example.edu"


def body_of(message) -> str:
    return message.get_payload(decode=True).decode()


def link_in(message, path: str) -> str:
    """The path of the portal link in a mail (it must point at site.url)."""
    found = re.search(
        re.escape(SITE) + r"(" + re.escape(path) + r"[A-Za-z0-9_\-]+)", body_of(message)
    )
    assert found, body_of(message)
    return found.group(1)


def ask(app: webtest.TestApp, page: str, email: str, status="*"):
    form = app.get(page).forms[0]
    form["email"] = email
    return form.submit(status=status)


def finish(app, path: str, name="Ada Lovelace", password=NEW, confirm=None, status="*"):
    form = app.get(path, status="*").forms[0]
    form["name"] = name
    form["password"] = password
    form["confirm"] = password if confirm is None else confirm
    return form.submit(status=status)


def cloudauth_user(cloudauth, email: str) -> dict | None:
    users = cloudauth.get("/user/list", cloudauth.admin, email=email, show_inactive="true")
    return users["users"][0] if users["users"] else None


def test_register_by_mail_creates_a_portal_account_with_the_default_role(
    make_portal, mail_sink, cloudauth
):
    app = make_portal(default_user_role="account_owner")
    email = _address()
    page = ask(app, "/register", email)
    assert page.status_int == 200 and "Check your mail" in page.text
    message = mail_sink.wait_for(email)
    assert message["From"] == "Penguin SCM Resources <portal@example.com>"
    path = link_in(message, "/register/")
    form_page = app.get(path)
    assert email in form_page.text and "Finish registering" in form_page.text
    done = finish(app, path)
    assert done.status_int == 302 and done.location.endswith("/login")
    assert "Your account is ready" in done.follow().text
    user = cloudauth_user(cloudauth, email)
    assert user["registration_source"] == "portal"
    assert user["roles"] == ["account_owner"] and user["name"] == "Ada Lovelace"
    assert login(app, email, NEW).status_int == 302
    # the link worked once
    again = app.get(path, status=410)
    assert "already used" in again.text


def test_the_link_is_stored_only_as_a_hash(make_portal, mail_sink, portal_app):
    app = make_portal()
    email = _address()
    ask(app, "/register", email)
    token = link_in(mail_sink.wait_for(email), "/register/").rsplit("/", 1)[1]
    db = portal_app.app.registry["scm.dbsession_factory"]()
    try:
        rows = db.scalars(select(MailedLink).where(MailedLink.email == email)).all()
    finally:
        db.close()
    assert len(rows) == 1 and rows[0].purpose == "register"
    assert token not in rows[0].token_hash and len(rows[0].token_hash) == 64


def test_the_sent_page_is_the_same_whether_or_not_the_address_has_an_account(
    make_portal, mail_sink, owner
):
    app = make_portal()
    fresh = _address()
    new_page = ask(app, "/register", fresh).text.replace(fresh, "EMAIL")
    taken_page = ask(app, "/register", owner.email).text.replace(owner.email, "EMAIL")
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", new_page) == strip.sub("", taken_page)
    # ... but the mails differ: the owner is told to log in or reset
    note = body_of(mail_sink.wait_for(owner.email))
    assert "already exists" in note and f"{SITE}/password/forgot" in note
    assert "/register/" not in note


def test_resending_sends_a_new_link_and_either_works_once(make_portal, mail_sink, cloudauth):
    app = make_portal()
    email = _address()
    ask(app, "/register", email)
    first = link_in(mail_sink.wait_for(email), "/register/")
    resent = app.get("/register").forms[0]
    resent["email"] = email
    sent = resent.submit()
    again = sent.forms[0].submit()  # "Send it again" on the sent page
    assert again.status_int == 200
    second = link_in(mail_sink.wait_for(email, 2), "/register/")
    assert second != first
    assert finish(app, second).status_int == 302
    # the other link of the address is spent with it
    assert "already used" in app.get(first, status=410).text
    assert cloudauth_user(cloudauth, email)["registration_source"] == "portal"


def test_tampered_and_unknown_links_are_a_clear_404(make_portal, mail_sink):
    app = make_portal()
    email = _address()
    ask(app, "/register", email)
    path = link_in(mail_sink.wait_for(email), "/register/")
    tampered = path[:-1] + ("A" if path[-1] != "A" else "B")
    others = ("/register/short", "/register/" + "x" * 200, "/register/%00abc", "/register/a%22%3E")
    for bad in (tampered, *others):
        page = app.get(bad, status=404)
        assert "This link does not work" in page.text, bad
    # a form sent to a tampered link creates nothing
    page = app.get(path)
    form = page.forms[0]
    form.action = tampered
    form["name"], form["password"], form["confirm"] = "X", NEW, NEW
    assert "does not work" in form.submit(status=404).text
    assert app.get(path).status_int == 200  # the real link is untouched


def test_an_expired_link_is_a_clear_410_and_creates_nothing(make_portal, mail_sink, cloudauth):
    app = make_portal(**{"registration.link_lifetime": "2h"})
    clock = FrozenClock(dt.datetime.now(dt.UTC).replace(tzinfo=None))
    app.app.registry["scm.clock"] = clock
    email = _address()
    ask(app, "/register", email)
    path = link_in(mail_sink.wait_for(email), "/register/")
    assert "2 hours" in body_of(mail_sink.wait_for(email))
    clock.advance(hours=2, seconds=1)
    assert "This link has expired" in app.get(path, status=410).text
    assert "expired" in finish_form_anyway(app, path).text
    assert cloudauth_user(cloudauth, email) is None


def finish_form_anyway(app, path):
    """POST the registration form to ``path`` with a fresh CSRF token from another page."""
    csrf = app.get("/register").forms[0]["csrf_token"].value
    return app.post(
        path,
        {"csrf_token": csrf, "name": "X", "password": NEW, "confirm": NEW},
        status=410,
    )


def test_registration_form_errors_keep_the_link_usable(make_portal, mail_sink, cloudauth):
    app = make_portal()
    email = _address()
    ask(app, "/register", email)
    path = link_in(mail_sink.wait_for(email), "/register/")
    short = finish(app, path, password="short", status=400)
    assert "Use at least 8 characters." in short.text
    differ = finish(app, path, confirm="something else", status=400)
    assert "The two passwords differ." in differ.text
    noname = finish(app, path, name="", status=400)
    assert "This field is required." in noname.text
    assert cloudauth_user(cloudauth, email) is None
    assert finish(app, path).status_int == 302


def test_an_address_registered_meanwhile_is_a_clear_409_and_nothing_is_created(
    make_portal, mail_sink, cloudauth
):
    app = make_portal()
    email = _address()
    ask(app, "/register", email)
    path = link_in(mail_sink.wait_for(email), "/register/")
    cloudauth.post("/user/create", cloudauth.admin, email=email, password=PASSWORD)
    page = finish(app, path, status=409)
    assert "You already have an account" in page.text
    assert cloudauth_user(cloudauth, email)["registration_source"] == "api"


@pytest.mark.parametrize("bad", ["", "not-an-address", "a@b@c", "x" * 250 + "@example.edu"])
def test_a_bad_address_is_a_form_error_and_sends_nothing(make_portal, mail_sink, bad):
    app = make_portal()
    before = len(mail_sink.messages)
    page = ask(app, "/register", bad, status=400)
    assert "is-invalid" in page.text
    assert len(mail_sink.messages) == before


def test_a_form_without_its_csrf_token_is_refused(make_portal, mail_sink):
    app = make_portal()
    email = _address()
    page = app.post("/register", {"email": email}, status=400)
    assert "This form has expired" in page.text
    assert mail_sink.to(email) == []


def test_mails_are_limited_per_address_and_per_client(make_portal, mail_sink):
    app = make_portal(
        **{"registration.max_mails_per_address": "2", "registration.max_mails_per_client": "4"}
    )
    email = _address()
    for _ in range(2):
        assert ask(app, "/register", email).status_int == 200
    page = ask(app, "/register", email, status=429)
    assert "Several messages went to this address" in page.text
    assert int(page.headers["Retry-After"]) == 3600
    assert ask(app, "/register", _address()).status_int == 200
    page = ask(app, "/register", _address(), status=429)
    assert "from your network" in page.text
    mail_sink.wait_for(email, 2)
    assert len(mail_sink.to(email)) == 2


def test_the_ldap_driver_has_no_registration(make_portal):
    app = make_portal(**{"userauth.driver": "ldap"})
    page = app.get("/register", status=404)
    assert "Registration is not used here" in page.text
    login_page = app.get("/login")
    assert 'href="/register"' not in login_page.text
    assert "Your site (LDAP) username" in login_page.text
    default = make_portal().get("/login")
    assert 'href="/register"' in default.text and 'href="/password/forgot"' in default.text


# -- forgotten passwords ---------------------------------------------------------------------


def test_password_reset_by_mail_sets_it_and_ends_every_session(
    make_portal, mail_sink, cloudauth, portal
):
    user = cloudauth.user()
    assert login(portal, user.email).status_int == 302  # a browser signed in elsewhere
    app = make_portal()
    page = ask(app, "/password/forgot", user.email)
    assert "Check your mail" in page.text
    path = link_in(mail_sink.wait_for(user.email), "/password/reset/")
    form = app.get(path).forms[0]
    form["password"] = form["confirm"] = NEW
    done = form.submit()
    assert done.status_int == 302 and "logged out everywhere" in done.follow().text
    # the old token is revoked: the other browser is sent to log in
    assert portal.get("/nodes").status_int == 302
    for old in (user.headers["X-Auth-Token"],):
        answer = requests.get(
            cloudauth.url + "/auth/verify_token",
            params={"auth_token": old, "userid": user.userid},
            timeout=10,
        )
        assert answer.status_code == 401
    assert login(app, user.email, PASSWORD).status_int == 401
    assert login(app, user.email, NEW).status_int == 302
    assert "already used" in app.get(path, status=410).text


def test_reset_of_an_unknown_address_sends_nothing_and_looks_the_same(make_portal, mail_sink):
    app = make_portal()
    email = _address()
    page = ask(app, "/password/forgot", email)
    assert page.status_int == 200 and "Check your mail" in page.text
    ask(app, "/register", email)  # a mail that does go out, to know the queue has run
    mail_sink.wait_for(email)
    assert [m["Subject"] for m in mail_sink.to(email)] == [
        "Penguin SCM Resources: confirm your email address"
    ]


def test_reset_for_the_superuser_mails_a_note_not_a_link(make_portal, mail_sink):
    app = make_portal()
    ask(app, "/password/forgot", "admin@localhost")
    note = body_of(mail_sink.wait_for("admin@localhost"))
    assert "cloudauth-set-password" in note and "/password/reset/" not in note


def test_a_reset_form_error_keeps_the_link(make_portal, mail_sink, cloudauth):
    user = cloudauth.user()
    app = make_portal()
    ask(app, "/password/forgot", user.email)
    path = link_in(mail_sink.wait_for(user.email), "/password/reset/")
    form = app.get(path).forms[0]
    form["password"], form["confirm"] = NEW, NEW + "x"
    assert "The two passwords differ." in form.submit(status=400).text
    assert login(app, user.email, PASSWORD).status_int == 302
    assert app.get(path).status_int == 200


def test_mailed_links_use_site_url_never_the_host_header(make_portal, mail_sink):
    app = make_portal(**{"site.url": "https://www.example.com/scm"})
    app.extra_environ = {"REMOTE_ADDR": "127.0.0.1", "SCRIPT_NAME": "/scm"}
    email = _address()
    form = app.get("/register", headers={"Host": "evil.example.net"}).forms[0]
    form["email"] = email
    form.submit(headers={"Host": "evil.example.net"})
    text = body_of(mail_sink.wait_for(email))
    assert "evil.example.net" not in text
    found = re.search(r"https://www\.example\.com/scm(/register/[A-Za-z0-9_\-]+)\s", text)
    assert found, text
    assert "Finish registering" in app.get(found.group(1)).text


def test_links_long_expired_are_removed_when_new_ones_are_issued(make_portal, mail_sink):
    app = make_portal()
    clock = FrozenClock(dt.datetime.now(dt.UTC).replace(tzinfo=None))
    app.app.registry["scm.clock"] = clock
    old, new = _address(), _address()
    ask(app, "/register", old)
    path = link_in(mail_sink.wait_for(old), "/register/")
    clock.advance(days=8, hours=1)  # a day of life, then seven kept
    assert "expired" in app.get(path, status=410).text
    ask(app, "/register", new)
    mail_sink.wait_for(new)
    assert "does not work" in app.get(path, status=404).text  # the old row is gone


def test_a_link_is_claimed_once_and_a_released_claim_can_be_made_again(portal_app):
    from cloudportal.registration.links import LinkRefused, MailedLinks

    factory = portal_app.app.registry["scm.dbsession_factory"]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)  # MariaDB keeps seconds
    lifetimes = {"register": 3600.0, "reset": 600.0}
    with factory() as db:
        token = MailedLinks(db, now, lifetimes).issue("reset", "Claim@Example.edu")
        db.commit()
    with factory() as first:
        link = MailedLinks(first, now, lifetimes).claim("reset", token)
        assert link.email == "claim@example.edu" and link.used_at == now
        first.commit()
    with factory() as second:
        links = MailedLinks(second, now, lifetimes)
        with pytest.raises(LinkRefused) as refused:
            links.claim("reset", token)
        assert refused.value.reason == "used"
        with pytest.raises(LinkRefused) as wrong_purpose:
            links.check("register", token)
        assert wrong_purpose.value.reason == "unknown"
        second.rollback()
    with factory() as third:
        links = MailedLinks(third, now, lifetimes)
        link = third.scalar(select(MailedLink).where(MailedLink.email == "claim@example.edu"))
        links.release(link)
        third.commit()
    with factory() as fourth:
        assert MailedLinks(fourth, now, lifetimes).claim("reset", token).used_at == now
        fourth.rollback()


def test_links_long_expired_are_purged_when_the_portal_starts(portal_app, make_portal):
    """No new link need be issued: a portal that mails nothing for weeks keeps no stale
    address past the keeping time once it restarts."""
    import secrets

    from cloudportal.registration.links import KEEP_EXPIRED

    factory = portal_app.app.registry["scm.dbsession_factory"]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    ages = {  # expired this long ago (negative: still live)
        "stale": KEEP_EXPIRED + dt.timedelta(hours=1),
        "recent": KEEP_EXPIRED - dt.timedelta(hours=1),
        "live": -dt.timedelta(hours=1),
    }
    emails = {kind: f"{kind}-{_address()}" for kind in ages}
    with factory() as db, db.begin():
        for kind, age in ages.items():
            db.add(
                MailedLink(
                    token_hash=secrets.token_hex(32),
                    purpose="reset",
                    email=emails[kind],
                    created_at=now - age - dt.timedelta(hours=1),
                    expires_at=now - age,
                )
            )

    def left() -> set[str]:
        with factory() as db:
            rows = db.scalars(select(MailedLink.email).where(MailedLink.email.in_(emails.values())))
            return set(rows)

    assert left() == set(emails.values())
    make_portal()  # a start
    assert left() == {emails["recent"], emails["live"]}


def test_a_portal_on_a_database_not_yet_initialised_still_starts(make_portal, tmp_path, caplog):
    empty = f"sqlite:///{tmp_path}/empty.sqlite"
    with caplog.at_level("WARNING", logger="scm.cloudportal.registration"):
        app = make_portal(**{"sqlalchemy.url": empty})
    assert "expired mailed links not purged at startup" in caplog.text
    assert app.get("/login").status_int == 200
