"""The auth_sso.admin_attributes rule and mod_shib's multi-valued attributes (common.sso)."""

from __future__ import annotations

import pytest

from common.settings import ConfigError
from common.sso import admin_match, attribute_values, parse_admin_attributes, rule_keys


def test_rules_are_key_value_lines_with_blanks_and_comments_ignored():
    rules = parse_admin_attributes(
        "\n  eduPersonEntitlement = urn:mace:x:admin \n# a comment\n\nisMemberOf=a = b\n"
    )
    assert rules == (("eduPersonEntitlement", "urn:mace:x:admin"), ("isMemberOf", "a = b"))
    assert parse_admin_attributes("") == ()
    assert parse_admin_attributes(None) == ()


@pytest.mark.parametrize("line", ["novalue", "k =", "= v", "1abc = v", "a b = v", "k;x = v"])
def test_a_line_that_is_not_a_rule_names_the_setting_and_the_line(line):
    with pytest.raises(ConfigError, match=r"auth_sso\.admin_attributes, line 2"):
        parse_admin_attributes(f"ok = 1\n{line}")


def test_mod_shib_values_split_on_unescaped_semicolons():
    assert attribute_values("a;b;c") == ["a", "b", "c"]
    assert attribute_values(r"a\;b;c") == ["a;b", "c"]
    assert attribute_values("") == []
    assert attribute_values(None) == []
    assert attribute_values("a;;b;") == ["a", "b"]


def test_every_value_of_a_multi_valued_attribute_is_checked():
    rules = parse_admin_attributes("affiliation = admin\nentitlement = urn:x:hpc")
    assert admin_match(rules, {"affiliation": "student;staff;admin"})
    assert admin_match(rules, {"entitlement": "urn:x:hpc"})
    assert not admin_match(rules, {"affiliation": "student;administrator"})
    assert not admin_match(rules, {"affiliation": "Admin"})  # exact, case-sensitive
    assert not admin_match(rules, {"entitlement": "admin"})  # the value belongs to its key
    assert not admin_match(rules, {})
    assert not admin_match((), {"affiliation": "admin"})
    assert rule_keys((*rules, ("affiliation", "other"))) == ("affiliation", "entitlement")
