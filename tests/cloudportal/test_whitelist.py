"""The registration whitelist: its one check (``allows``), entries, the superuser's Manage
Whitelist page, registration under ``registration.type = whitelist``, and a directory user's
first login against the real slapd tier."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import select

from cloudportal.models import SeenUser, WhitelistEntry
from cloudportal.registration.whitelist import BadEntry, Whitelist, allows, parse_entry
from tests import live
from tests.cloudauth.ldap.conftest import slapd, slapd_certs  # noqa: F401 (fixtures)
from tests.cloudportal.conftest import login
from tests.cloudportal.test_registration import _address, ask, finish, link_in


def _domain() -> str:
    return f"wl{uuid.uuid4().hex[:8]}.example.edu"


class ShortSessions:
    """The portal's database for a test: each call its own short transaction (on SQLite an
    open one would hold the write lock the portal under test needs)."""

    def __init__(self, factory):
        self.factory = factory

    def _run(self, work):
        session = self.factory(expire_on_commit=False)
        try:
            result = work(session)
            session.commit()
            return result
        finally:
            session.close()

    def scalar(self, stmt):
        return self._run(lambda s: s.scalar(stmt))

    def get(self, model, key):
        return self._run(lambda s: s.get(model, key))

    def whitelist(self, action):
        return self._run(lambda s: action(Whitelist(s, dt.datetime(2026, 1, 1))))


@pytest.fixture
def db(portal_app):
    return ShortSessions(portal_app.app.registry["scm.dbsession_factory"])


@pytest.fixture
def superuser(cloudauth):
    return cloudauth.user(roles=["superuser"])


def _listed(db, *entries: str) -> None:
    db.whitelist(lambda w: w.add_lines("\n".join(entries), "test"))


@pytest.mark.parametrize(
    "text, stored",
    [
        ("Ann@Example.EDU", "ann@example.edu"),
        ("  @Example.edu  ", "@example.edu"),
        ("first.last+tag@cs.example.edu", "first.last+tag@cs.example.edu"),
        ("@example.edu.", "@example.edu"),
    ],
)
def test_entries_are_stored_lower_cased(text, stored):
    assert parse_entry(text) == stored


@pytest.mark.parametrize(
    "text, says",
    [
        ("example.edu", "neither an address"),
        ("ann", "neither an address"),
        ("a@b@example.edu", "neither an address"),
        ("@localhost", "not a domain name"),
        ("@-bad.example.edu", "not a domain name"),
        ("@exa mple.edu", "one address or domain"),
        ("ann smith@example.edu", "one address or domain"),
        ("<script>@example.edu", "not a valid mailbox name"),
        ("@" + "a" * 64 + ".edu", "not a domain name"),
    ],
)
def test_a_bad_entry_says_why(text, says):
    with pytest.raises(BadEntry, match=re.escape(says)):
        parse_entry(text)


def test_allows_exact_addresses_and_whole_domains_only(db):
    domain = _domain()
    _listed(db, f"ann@{domain}", f"@dept.{domain}")
    assert allows(db, f"ann@{domain}") and allows(db, f"ANN@{domain.upper()}")
    assert not allows(db, f"bob@{domain}")
    assert allows(db, f"anyone@dept.{domain}")
    assert not allows(db, f"anyone@sub.dept.{domain}")  # a domain is exactly that domain
    assert not allows(db, f"anyone@{domain}")
    for junk in ("", "@dept." + domain, "no-at-sign", f"a@b@dept.{domain}"):
        assert not allows(db, junk)


# -- Manage Whitelist --------------------------------------------------------------------------


def test_manage_whitelist_is_for_the_superuser_only(new_browser, owner, portal):
    assert new_browser(owner).get("/admin/whitelist", status=403).status_int == 403
    assert "Manage Whitelist" not in new_browser(owner).get("/nodes").text
    assert portal.get("/admin/whitelist").status_int == 302  # to the login page


def test_adding_many_checks_every_line_and_adds_nothing_on_an_error(new_browser, superuser, db):
    browser = new_browser(superuser)
    domain = _domain()
    text = f"ann@{domain}\nnot an address\n\n@{domain}\n<b>x</b>@{domain}\n"
    page = browser.post("/admin/whitelist", {"entries": text}, status=400)
    assert "Nothing was added" in page.text
    assert "Line 2: &#39;not an address&#39; is not one address or domain" in page.text
    assert "Line 5:" in page.text and "<b>x</b>" not in page.text  # escaped, never markup
    assert "Line 1" not in page.text and "Line 4" not in page.text
    assert f"ann@{domain}" in page.text  # the text comes back for fixing
    assert db.scalar(select(WhitelistEntry).where(WhitelistEntry.entry.contains(domain))) is None
    done = browser.post("/admin/whitelist", {"entries": f"Ann@{domain}\n\n@{domain}\n"})
    assert done.status_int == 302
    page = done.follow()
    assert f"Added 2: ann@{domain}, @{domain}." in page.text
    again = browser.post("/admin/whitelist", {"entries": f"ann@{domain}\nbob@{domain}"}).follow()
    assert f"Added 1: bob@{domain}; already on the list: ann@{domain}." in again.text
    entry = db.scalar(select(WhitelistEntry).where(WhitelistEntry.entry == f"bob@{domain}"))
    assert entry.added_by == superuser.email


def test_an_empty_list_is_a_clear_error(new_browser, superuser):
    page = new_browser(superuser).post("/admin/whitelist", {"entries": "\n \n"}, status=400)
    assert "give at least one address or domain" in page.text


def test_search_paging_and_removal(new_browser, superuser, db):
    browser = new_browser(superuser)
    domain = _domain()
    lines = "\n".join(f"user{n:03d}@{domain}" for n in range(120))
    browser.post("/admin/whitelist", {"entries": lines})
    page = browser.get(f"/admin/whitelist?q={domain}")
    assert "On the list (120)" in page.text
    assert f"user000@{domain}" in page.text and f"user050@{domain}" not in page.text
    third = browser.get(f"/admin/whitelist?q={domain}&page=3")
    assert f"user119@{domain}" in third.text and f"user000@{domain}" not in third.text
    assert 'aria-current="page"><span class="page-link">3<' in third.text
    beyond = browser.get(f"/admin/whitelist?q={domain}&page=99")  # the last page, not an error
    assert f"user119@{domain}" in beyond.text
    assert browser.get(f"/admin/whitelist?q={domain}&page=x").status_int == 200
    ids = re.findall(r'name="entry" value="(\d+)"', page.text)[:2]
    removed = browser.post("/admin/whitelist/remove", {"entry": ids, "q": domain})
    assert removed.status_int == 302 and f"q={domain}" in removed.location
    assert f"Removed 2: user000@{domain}, user001@{domain}." in removed.follow().text
    assert "On the list (118)" in browser.get(f"/admin/whitelist?q={domain}").text
    nothing = browser.post("/admin/whitelist/remove", {"entry": ["zz", "-1"]}).follow()
    assert "Choose the entries to remove first." in nothing.text
    assert "No entry contains" in browser.get("/admin/whitelist?q=nothing-like-it.invalid").text


def test_the_page_says_when_the_list_is_not_applied(make_portal, new_browser, superuser):
    plain = new_browser(superuser).get("/admin/whitelist")
    assert "The list is kept but not applied" in plain.text
    enforced = new_browser(superuser, make_portal(**{"registration.type": "whitelist"}))
    assert "The list is kept but not applied" not in enforced.get("/admin/whitelist").text
    assert "Manage Whitelist" in enforced.get("/nodes").text


# -- registration under the whitelist -------------------------------------------------------


@pytest.fixture
def whitelisted_portal(make_portal):
    return make_portal(**{"registration.type": "whitelist"})


def test_an_unlisted_address_is_refused_and_no_mail_goes(whitelisted_portal, mail_sink):
    email = _address()
    page = ask(whitelisted_portal, "/register", email, status=403)
    assert "this one is not on it" in page.text
    assert mail_sink.to(email) == []


def test_listed_addresses_and_domains_register(whitelisted_portal, mail_sink, db, cloudauth):
    domain = _domain()
    _listed(db, f"ann@{domain}", f"@dept.{domain}")
    for email in (f"ann@{domain}", f"zed@dept.{domain}"):
        assert ask(whitelisted_portal, "/register", email).status_int == 200
        path = link_in(mail_sink.wait_for(email), "/register/")
        assert finish(whitelisted_portal, path).status_int == 302
    ask(whitelisted_portal, "/register", f"zed@sub.dept.{domain}", status=403)


def test_an_entry_removed_before_the_form_is_sent_stops_the_registration(
    whitelisted_portal, mail_sink, db, cloudauth
):
    domain = _domain()
    email = f"late@{domain}"
    _listed(db, email)
    ask(whitelisted_portal, "/register", email)
    path = link_in(mail_sink.wait_for(email), "/register/")
    entry = db.scalar(select(WhitelistEntry).where(WhitelistEntry.entry == email))
    db.whitelist(lambda w: w.remove([entry.id]))
    page = finish(whitelisted_portal, path, status=403)
    assert "This address may not register" in page.text
    users = cloudauth.get("/user/list", cloudauth.admin, email=email)
    assert users["total"] == 0


def test_a_local_account_logs_in_under_the_whitelist(whitelisted_portal, owner):
    assert login(whitelisted_portal, owner.email).status_int == 302


# -- a directory user's first login (real slapd) --------------------------------------------


@pytest.fixture(scope="module")
def ldap_cloudauth(tmp_path_factory, slapd, peer_cache):  # noqa: F811
    peer = live.LiveCloudAuth(
        f"sqlite:///{tmp_path_factory.mktemp('wl-ldap-auth')}/cloudauth.sqlite",
        peer_cache,
        **slapd.raw_settings(),
    )
    yield peer
    peer.close()


def test_an_unlisted_directory_user_cannot_complete_a_first_login(make_portal, ldap_cloudauth, db):
    app = make_portal(
        **{
            "registration.type": "whitelist",
            "userauth.driver": "ldap",
            "cloudauth.url": ldap_cloudauth.url,
        }
    )
    app.extra_environ["REMOTE_ADDR"] = "127.0.0.1"
    page = login(app, "bob", "bob-pw")
    assert page.status_int == 403
    assert "yours is not on it" in page.text
    assert app.get("/nodes").status_int == 302  # nobody is signed in
    audit = ldap_cloudauth.get("/audit/list", ldap_cloudauth.admin, limit="200")
    events = [e["event"] for e in audit.get("events", audit.get("entries", []))]
    assert "token.revoked" in events  # the first login's token was revoked at once
    bob = ldap_cloudauth.get("/user/list", ldap_cloudauth.admin, email="bob@example.test")
    bob_id = bob["users"][0]["id"]
    assert db.get(SeenUser, bob_id) is None
    # once listed, the same user's next login completes, and later ones no longer ask
    _listed(db, "bob@example.test")
    assert login(app, "bob", "bob-pw").status_int == 302
    assert db.get(SeenUser, bob_id) is not None
    entry = db.scalar(select(WhitelistEntry).where(WhitelistEntry.entry == "bob@example.test"))
    db.whitelist(lambda w: w.remove([entry.id]))
    app.reset()
    assert login(app, "bob", "bob-pw").status_int == 302
