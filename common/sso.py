"""SAML attributes as the Shibboleth SP (mod_shib) hands them to an application, and the
``auth_sso.admin_attributes`` rule (seed 1.8.4) that both the portal and Cloud Auth hold.

mod_shib joins the values of a multi-valued attribute with ``;`` and escapes a ``;`` inside a
value as ``\\;``. A rule is newline-separated ``key = value`` lines; it matches when any line's
value equals any one value of that attribute (exact, case-sensitive: SAML values are).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from common.settings import ConfigError

# The attribute ids of attribute-map.xml (``id="eduPersonEntitlement"``).
ATTRIBUTE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$")
MAX_RULES = 64
MAX_VALUE = 1024

Rules = tuple[tuple[str, str], ...]


def parse_admin_attributes(text: str | None, setting: str = "auth_sso.admin_attributes") -> Rules:
    """``key = value`` per line (blank lines and ``#`` comments ignored) into (key, value) pairs;
    a line that is not one is a :class:`ConfigError` naming the setting and the line."""
    rules: list[tuple[str, str]] = []
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if key.upper().startswith("HTTP_"):
            # In a WSGI environ those are request headers, which anyone can send.
            raise ConfigError(f"setting {setting}, line {number}: {key} names an HTTP header")
        if not sep or not ATTRIBUTE_ID.match(key) or not value or len(value) > MAX_VALUE:
            raise ConfigError(
                f"setting {setting}, line {number}: expected `attribute = value` (an attribute "
                f"id of attribute-map.xml, then a non-empty value), not {line!r}"
            )
        rules.append((key, value))
    if len(rules) > MAX_RULES:
        raise ConfigError(f"setting {setting}: at most {MAX_RULES} lines")
    return tuple(rules)


def attribute_values(raw: str | None) -> list[str]:
    """The values of one attribute as mod_shib passes it: split on ``;`` (not on ``\\;``)."""
    if not raw:
        return []
    values, current, chars = [], [], iter(raw)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            current.append(following if following == ";" else char + following)
        elif char == ";":
            values.append("".join(current))
            current = []
        else:
            current.append(char)
    values.append("".join(current))
    return [v for v in values if v]


def rule_keys(rules: Rules) -> tuple[str, ...]:
    return tuple(dict.fromkeys(key for key, _ in rules))


def admin_match(rules: Rules, attributes: Mapping[str, str | None]) -> bool:
    """True when some rule's value is one of the values of its attribute in ``attributes``
    (raw mod_shib strings by attribute id)."""
    return any(value in attribute_values(attributes.get(key)) for key, value in rules)
