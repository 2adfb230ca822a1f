"""HTML escaping for the templates and the login-nodes cards, exactly as ``markupsafe.escape``,
without its cost where a long page pays it thousands of times.

- ``escape_html``, the templates' default filter. ``Markup`` is returned as it is
  (``markupsafe.escape(markup)`` would copy it, 1.4 µs, and a page of 100 login nodes passes
  thousands of pre-escaped values from cloudportal/nodes/cards.py). A ``str`` is escaped into a
  plain ``str``: the filter's result is written to the page and goes nowhere else, and building
  a ``Markup`` for it (its Python-level ``__new__``) cost more than the escaping. Anything else
  (an object with ``__html__``, a number) goes to ``markupsafe.escape`` unchanged.
- ``markup``: a ``str`` escaped once into ``Markup`` for the cards, the same way."""

from __future__ import annotations

from markupsafe import Markup, escape

_new_str = str.__new__


def escape_text(text: str) -> str:
    """``markupsafe.escape(text)`` as a plain ``str`` (the same five replacements)."""
    return (
        text.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def escape_html(value, _markup=Markup, _str=str, _escape=escape):
    kind = type(value)
    if kind is _markup:
        return value
    if kind is _str:
        return escape_text(value)
    return _escape(value)


def markup(value) -> Markup:
    """``markupsafe.escape(value)``; for a ``str``, without ``Markup``'s slow constructor (the
    escaped text is made a ``Markup`` as it is)."""
    if type(value) is str:
        return _new_str(Markup, escape_text(value))
    return escape(value)
