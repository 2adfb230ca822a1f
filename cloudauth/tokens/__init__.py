"""Token requests (OAuth), logins, token checks."""

from cloudauth.tokens.services import TokenService


def includeme(config):
    config.include("pyramid_services")
    settings = config.registry["scm.settings"]

    def token_factory(context, request) -> TokenService:
        return TokenService(
            lambda: request.db,
            request.cache,
            request.now,
            settings.token_lifetime,
            settings.token_cache_ttl,
        )

    config.register_service_factory(token_factory, TokenService)
