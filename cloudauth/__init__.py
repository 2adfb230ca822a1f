"""Scyld Cloud Auth: users, roles, permissions, API keys, tokens, LDAP, host allow-lists."""

from pyramid.config import Configurator

from cloudauth.settings import VERSION, AuthSettings
from cloudauth.tokens.services import LocalVerifier
from common.console import config_errors_exit
from common.envelope import CloudAuthEnvelope
from common.security import TokenSecurityPolicy
from common.versionprefix import make_wsgi_app

# Each feature's includeme registers its services (found with ``request.find_service``); the
# token floor and the audit log first, as the others' services are built on them.
FEATURES = (
    "tokenstore",
    "audit",
    "users",
    "roles",
    "controllers",
    "ldap",
    "tokens",
    "registration",
    "sso",
    "masquerade",
    "scw",
)


@config_errors_exit("cloudauth")
def main(global_config, **raw):
    settings = AuthSettings.from_raw(raw)  # fail fast, once
    raw.setdefault("scm.app_name", "cloudauth")
    with Configurator(settings=raw) as config:
        config.registry["scm.settings"] = settings
        config.registry["scm.envelope"] = CloudAuthEnvelope(VERSION)
        config.include("common")
        config.set_security_policy(TokenSecurityPolicy(LocalVerifier()))
        config.include("cloudauth.authz")
        for feature in FEATURES:
            config.include(f"cloudauth.{feature}")
        config.include("cloudauth.bootstrap")
        config.include("cloudauth.routes")
        config.scan("cloudauth", ignore=["cloudauth.migrations", "cloudauth.scripts"])
    return make_wsgi_app(config)
