"""Every controller request is authenticated through Cloud Auth (``X-Auth-Token`` +
``X-Auth-Cloudauth-Id``), the answer cached in the shared cache; the controller calls Cloud Auth
as its own ``cloudcontroller_admin`` account (``cloudauth.api_key``/``api_secret``) to register
system accounts."""

from __future__ import annotations

from common.cloudauth_client import CloudAuthClient
from common.security import CachingVerifier, TokenSecurityPolicy


def includeme(config):
    settings = config.registry["scm.settings"]
    client = CloudAuthClient(settings.cloudauth)
    config.registry["scm.cloudauth"] = client
    verifier = CachingVerifier(client, None, settings.token_cache_ttl)  # None: request.cache
    config.set_security_policy(TokenSecurityPolicy(verifier))
