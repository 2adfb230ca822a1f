"""Cloud Auth's settings, parsed once from ``cloudauth.ini`` into a frozen object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from common.ldap.settings import LdapSettings, parse_ldap
from common.settings import ConfigError, Raw
from common.sso import Rules, parse_admin_attributes

VERSION = "3.1.0"


@dataclass(frozen=True)
class AuthSettings:
    login_allowed_hosts: tuple
    authenticate_allowed_hosts: tuple
    auth_sso: bool
    token_lifetime: float
    token_cache_ttl: float
    scw_token_lifetime: float
    oauth_timestamp_window: float
    apikey_encryption_keys: tuple[bytes, ...]
    default_user_role: str | None
    login_max_failures_per_account: int
    login_max_failures_per_address: int
    login_max_failing_addresses: int
    login_failure_window: float
    registration_max_requests_per_address: int
    registration_window: float
    ldap: LdapSettings | None
    # SAML attribute values that let an SSO user act as the local superuser (common.sso)
    auth_sso_admin_attributes: Rules = ()

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> AuthSettings:
        r = Raw(raw)
        keys = tuple(k.encode() for k in r.words("apikey.encryption_keys"))
        if not keys:
            raise ConfigError(
                "setting apikey.encryption_keys is required: generate one with `python -c "
                "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
            )
        _check_fernet_keys(keys)
        role = r.optional("default_user_role")
        if role not in (None, "account_owner"):
            raise ConfigError("setting default_user_role must be blank or account_owner")
        return cls(
            login_allowed_hosts=r.networks("login_allowed.hosts"),
            authenticate_allowed_hosts=r.networks("authenticate_allowed.hosts"),
            auth_sso=r.bool("auth_sso", False),
            token_lifetime=r.duration("token.lifetime", 12 * 3600),
            token_cache_ttl=r.duration("token.cache_ttl", 60),
            scw_token_lifetime=_scw_lifetime(r),
            oauth_timestamp_window=r.duration("oauth.timestamp_window", 300),
            apikey_encryption_keys=keys,
            default_user_role=role,
            login_max_failures_per_account=r.int("login.max_failures_per_account", 5, minimum=1),
            login_max_failures_per_address=r.int("login.max_failures_per_address", 20, minimum=1),
            login_max_failing_addresses=r.int("login.max_failing_addresses", 10, minimum=1),
            login_failure_window=r.duration("login.failure_window", 900),
            registration_max_requests_per_address=r.int(
                "registration.max_requests_per_address", 30, minimum=1
            ),
            registration_window=_positive(r, "registration.window", 3600),
            ldap=parse_ldap(r) if r.words("ldap.hosts") else None,
            auth_sso_admin_attributes=parse_admin_attributes(
                r.optional("auth_sso.admin_attributes")
            ),
        )


def _positive(r: Raw, key: str, default: float) -> float:
    seconds = r.duration(key, default)
    if seconds <= 0:
        raise ConfigError(f"setting {key} must be a positive duration")
    return seconds


def _scw_lifetime(r: Raw) -> float:
    """A one-time SCW sign-in token is used within seconds of being issued (the browser posts it
    straight on): long enough for a slow page load, short enough to be useless later."""
    seconds = r.duration("scw_token.lifetime", 30)
    if not 1 <= seconds <= 600:
        raise ConfigError("setting scw_token.lifetime must be between 1s and 10m")
    return seconds


def _check_fernet_keys(keys):
    from cryptography.fernet import Fernet

    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise ConfigError(
                "setting apikey.encryption_keys: each key must be 32 url-safe base64-encoded bytes"
            ) from None
