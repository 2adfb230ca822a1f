"""Masquerade ("view as"): the superuser takes a token for another user, which remembers them.

- ``POST /auth/masquerade`` (the superuser's own token; ``userid``, optional ``client_address``)
  issues a token for that user, held by the superuser: it ends no later than the superuser's own
  token, with the superuser's password change, deactivation or loss of the role, and with
  ``POST /auth/masquerade/end``. A superuser cannot be viewed as (nor oneself, nor an inactive
  user), and a masquerade token cannot open another.
- ``/auth/verify_token`` names the superuser under ``masquerade`` for such a token, so every
  service knows who is really acting.
- Cloud Auth's own changes made with it are audited with both identities (``actor_userid`` the
  user, ``masquerader_userid`` the superuser); the other services report theirs through
  ``POST /audit/record``, which takes both identities from the token itself.
"""

from cloudauth.masquerade.services import MasqueradeService


def includeme(config):
    config.include("pyramid_services")

    def factory(context, request) -> MasqueradeService:
        from cloudauth.tokens.services import TokenService
        from cloudauth.tokenstore.services import TokenRevocation

        return MasqueradeService(
            request.db, request.find_service(TokenService), request.find_service(TokenRevocation)
        )

    config.register_service_factory(factory, MasqueradeService)
