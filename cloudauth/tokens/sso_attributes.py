"""The SAML attribute values the portal forwards with an SSO login, checked against Cloud Auth's
own ``auth_sso.admin_attributes`` (trust model: :mod:`cloudauth.sso`)."""

from __future__ import annotations

from common.sso import Rules, admin_match

# Token source (tokens.source) of an SSO login whose forwarded attributes matched the rule: the
# only kind of token /auth/sso_admin_login exchanges for the superuser's.
SSO_ADMIN_SOURCE = "sso-admin"
# One forwarded attribute (all its values, as mod_shib joins them).
MAX_ATTRIBUTE = 8192


def forwarded_attributes(params, rules: Rules) -> dict[str, str | None]:
    """The raw values the portal forwarded as ``attr.<id>`` for the attributes ``rules`` name."""
    return {key: params.optional(f"attr.{key}", MAX_ATTRIBUTE) for key, _ in rules}


def admin_eligible(rules: Rules, attributes: dict[str, str | None]) -> bool:
    return bool(rules) and admin_match(rules, attributes)
