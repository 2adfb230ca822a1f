"""Users (``UserService``) and their API keys (``ApiKeyService``): ``/user/*``, ``/api_key/*``."""

from cloudauth.audit.services import AuditLog
from cloudauth.tokenstore.services import TokenRevocation
from cloudauth.users.apikeys import ApiKeyService, SecretBox
from cloudauth.users.services import UserService


def includeme(config):
    config.include("pyramid_services")
    settings = config.registry["scm.settings"]
    box = SecretBox(settings.apikey_encryption_keys)
    # Read by the OAuth check too (cloudauth.tokens.oauth); tests may replace it.
    config.registry["scm.secret_box"] = box

    def user_factory(context, request) -> UserService:
        return UserService(
            request.db,
            request.find_service(TokenRevocation),
            request.find_service(AuditLog),
            settings.default_user_role,
        )

    def api_key_factory(context, request) -> ApiKeyService:
        return ApiKeyService(
            request.db,
            request.registry["scm.secret_box"],
            request.find_service(TokenRevocation),
            request.find_service(AuditLog),
        )

    config.register_service_factory(user_factory, UserService)
    config.register_service_factory(api_key_factory, ApiKeyService)
