"""For the services that authenticate through Cloud Auth (controller, accountant): the Cloud
Auth client as ``registry["scm.cloudauth"]`` (from ``settings.cloudauth``), and the token
security policy whose answers are cached in the shared cache for ``settings.token_cache_ttl``.
The app's own named permissions are granted with ``common.security.add_permissions``. Changes
made with a masquerade token are recorded in Cloud Auth's audit log (``common.masquerade``)."""

from pyramid.tweens import EXCVIEW

from common.cloudauth_client import CloudAuthClient
from common.security import CachingVerifier, TokenSecurityPolicy


def includeme(config):
    settings = config.registry["scm.settings"]
    client = CloudAuthClient(settings.cloudauth)
    config.registry["scm.cloudauth"] = client
    # No cache object here: the verifier uses request.cache, which tests may replace.
    config.set_security_policy(
        TokenSecurityPolicy(CachingVerifier(client, None, settings.token_cache_ttl))
    )
    # under the exception views: a failure to record renders as a 503 and aborts the change
    config.add_tween("common.masquerade.masquerade_audit_tween_factory", under=EXCVIEW)
