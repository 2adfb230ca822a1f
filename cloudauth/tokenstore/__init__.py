"""The token table and what ends tokens: the floor under users, roles, controllers and tokens."""

from collections.abc import Callable

from cloudauth.tokenstore.services import TokenRevocation


def after_commit(request) -> Callable[[Callable[[], None]], None]:
    """Runs an action after the request's transaction commits (never after an abort)."""

    def hook(action: Callable[[], None]) -> None:
        request.tm.get().addAfterCommitHook(lambda committed: committed and action())

    return hook


def includeme(config):
    config.include("pyramid_services")

    def revocation_factory(context, request) -> TokenRevocation:
        return TokenRevocation(request.db, request.cache, request.now, after_commit(request))

    config.register_service_factory(revocation_factory, TokenRevocation)
