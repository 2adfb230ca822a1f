"""The login-nodes page's cards (cloudportal/nodes/cards.py): the template writes their texts
with ``| n``, so every one must already be escaped, whatever the controller or a user sent."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
from markupsafe import Markup, escape
from pyramid.config import Configurator
from pyramid.request import Request

from cloudportal.nodes.cards import NodeUrls, _url_id, cards
from cloudportal.nodes.model import ControllerView

ME, OTHER = "a" * 32, "b" * 32
EVIL = '<script>alert("x")</script>'


@pytest.fixture
def request_():
    config = Configurator()
    config.include("cloudportal.routes")
    request = Request.blank("/")
    request.registry = config.registry
    config.commit()
    return request


def raw(node_id, owner=ME, **kw):
    return {
        "id": node_id,
        "hostname": EVIL,
        "status": "ERROR",
        "status-reason": EVIL,
        "public-ip": EVIL,
        "private-ip": "",
        "creation-date": EVIL,
        "server-flavor": "f1",
        "server-image": "i1",
        "cloudauth-id": owner,
        **kw,
    }


def view(instances):
    data = {
        "instances": instances,
        "flavors": [{"id": "f1", "name": EVIL, "vcpu": 1, "memory": 1}],
        "images": [{"id": "i1", "name": EVIL}],
        "users": [
            {"user-id": "u1", "cloudauth-id": ME, "system-name": "me"},
            {"user-id": EVIL, "cloudauth-id": OTHER, "system-name": EVIL},
        ],
    }
    return ControllerView(data, ME, {ME: "me@x", OTHER: EVIL}, {OTHER}, False)


TEXTS = ("id", "hostname", "title", "flavor", "image", "label", "reason", "created")
TEXTS += ("public_ip", "private_ip", "denied", "overdue", "badge")


def test_every_text_of_a_card_is_escaped(request_):
    odd_id = 'x"/<y>'
    (card,) = cards(view([raw(odd_id)]), NodeUrls(request_, 1))
    for name in TEXTS:
        value = str(getattr(card, name))
        assert "<" not in value and '"' not in value, name
    assert str(card.hostname) == str(escape(EVIL))
    assert str(card.flavor).startswith(str(escape(EVIL)))
    # An id is quoted into the URL's path, then escaped for the attribute.
    assert card.urls["power"] == str(escape(f"/nodes/1/{quote(odd_id, safe='')}/power"))
    assert set(card.urls) == {"power", "delete", "acl", "status", "scw"}
    (row,) = card.candidates
    assert (str(row.email), str(row.system_name), str(row.uid)) == (str(escape(EVIL)),) * 3
    assert row.user_id == EVIL  # the raw id, for the grants lookup only


def test_a_hex_id_is_used_as_is_and_any_other_quoted_and_escaped():
    hex_id = uuid.uuid4().hex
    assert _url_id(hex_id) == hex_id
    for odd in ("a b", "é", 'q"<', "../x", "a&b"):
        assert _url_id(odd) == str(escape(quote(odd, safe=""))), odd


def test_the_acl_rows_are_built_once_per_owner(request_):
    ids = [uuid.uuid4().hex for _ in range(3)]
    built = cards(view([raw(ids[0]), raw(ids[1]), raw(ids[2], owner=OTHER)]), NodeUrls(request_, 2))
    assert built[0].candidates is built[1].candidates
    # Every account the caller manages, less the node's owner: each owner has its own rows.
    assert [r.user_id for r in built[0].candidates] == [EVIL]
    assert [r.user_id for r in built[2].candidates] == ["u1"]
    assert [c.urls["delete"] for c in built] == [f"/nodes/2/{i}/delete" for i in ids]


def test_no_template_writes_unescaped_output_but_the_operators_sidebar():
    """Issue 11: never `| n` on what a user typed. Pre-escaped Markup needs none (the default
    filter passes it through); the one exception is site.sidebar_lower, operator HTML."""
    import re
    from pathlib import Path

    import cloudportal

    root = Path(cloudportal.__file__).parent
    unescaped = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.mako")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\|\s*n\s*\}", line) and "site.sidebar_lower" not in line
    ]
    assert unescaped == []


@pytest.mark.parametrize(
    "value",
    ["<b>&'\"", Markup("<b>ok</b>"), 42, None, "", "plain", escape("<i>")],
)
def test_the_templates_filter_escapes_exactly_as_markupsafe(value):
    from cloudportal.escaping import escape_html

    assert escape_html(value) == escape(value)
    # Written to the page as it is: Markup stays Markup, a str is escaped into a plain str.
    assert type(escape_html(value)) is (str if type(value) is str else Markup)


SAMPLES = ["", "plain", "<b>&'\"", "&amp;", "é — ü", "a\x00b", "'\"<>&" * 3, "&#39;", EVIL]


@pytest.mark.parametrize("value", SAMPLES)
def test_the_cards_markup_is_markupsafes_escape(value):
    from cloudportal.escaping import escape_text, markup

    assert escape_text(value) == str(escape(value))
    made = markup(value)
    assert type(made) is Markup and made == escape(value)
    assert markup(Markup("<i>x</i>")) == Markup("<i>x</i>")  # already markup: kept
    assert markup(7) == escape(7)


def test_an_object_with_html_is_still_asked_for_its_html():
    from cloudportal.escaping import escape_html

    class Widget:
        def __html__(self):
            return "<span>w</span>"

    assert escape_html(Widget()) == Markup("<span>w</span>")
