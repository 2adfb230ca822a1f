"""Scyld Cloud Workstation sign-in (seed 1.8.9): one-time, short-lived tokens a user's portal
session hands to a workstation, which checks them once with its own (SCW admin) token.
``docs/scw.md`` describes the whole hand-off."""

from cloudauth.scw.services import ScwTokenService
from cloudauth.scw.views import verify_scw_token
from cloudauth.tokens.services import IOneTimeTokens


class ScwCheck:
    """``/auth/verify_token``'s check of a one-time SCW token (:class:`IOneTimeTokens`)."""

    verify = staticmethod(verify_scw_token)


def includeme(config):
    config.include("pyramid_services")
    settings = config.registry["scm.settings"]

    def scw_factory(context, request) -> ScwTokenService:
        return ScwTokenService(request.db, request.now, settings.scw_token_lifetime)

    config.register_service_factory(scw_factory, ScwTokenService)
    config.register_service(ScwCheck(), IOneTimeTokens)
