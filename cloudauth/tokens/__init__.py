"""Token requests (OAuth), logins, token checks."""

from cloudauth.audit.services import AuditLog
from cloudauth.ratelimit import LoginLimiter, LoginLimits
from cloudauth.tokens.login import LoginService
from cloudauth.tokens.oauth import OAuthCheck
from cloudauth.tokens.services import TokenService
from cloudauth.users.services import UserService


def includeme(config):
    config.include("pyramid_services")
    settings = config.registry["scm.settings"]
    limits = LoginLimits(
        free_per_account_address=settings.login_max_failures_per_account,
        free_per_address=settings.login_max_failures_per_address,
        failing_addresses=settings.login_max_failing_addresses,
        window=settings.login_failure_window,
    )

    def token_factory(context, request) -> TokenService:
        return TokenService(
            lambda: request.db,
            request.cache,
            request.now,
            settings.token_lifetime,
            settings.token_cache_ttl,
        )

    def login_factory(context, request) -> LoginService:
        return LoginService(
            request.find_service(UserService),
            request.find_service(TokenService),
            LoginLimiter(request.cache, limits, request.now),
            request.find_service(AuditLog),
            request.registry.get("scm.directory"),
            settings.login_allowed_hosts,
        )

    def oauth_factory(context, request) -> OAuthCheck:
        return OAuthCheck(
            request.db,
            request.cache,
            request.registry["scm.secret_box"],
            settings.oauth_timestamp_window,
        )

    config.register_service_factory(token_factory, TokenService)
    config.register_service_factory(oauth_factory, OAuthCheck)
    config.register_service_factory(login_factory, LoginService)
