"""Scyld Cloud Workstation sign-in (seed 1.8.9): one-time, short-lived tokens a user's portal
session hands to a workstation, which checks them once with its own (SCW admin) token.
``docs/scw.md`` describes the whole hand-off."""

from cloudauth.scw.services import ScwTokenService


def includeme(config):
    config.include("pyramid_services")
    settings = config.registry["scm.settings"]

    def scw_factory(context, request) -> ScwTokenService:
        return ScwTokenService(request.db, request.now, settings.scw_token_lifetime)

    config.register_service_factory(scw_factory, ScwTokenService)
