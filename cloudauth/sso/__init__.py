"""SSO users acting as the local superuser (seed 1.8.4, ``auth_sso.admin_attributes``):
``POST /auth/sso_admin_login``. The SSO login itself is ``/auth/sso_login`` (``cloudauth.tokens``).

Trust model: the portal is trusted to vouch for the SAML attributes it read from mod_shib
because it calls from ``login_allowed.hosts`` (as it is for ``/auth/sso_login`` itself). Cloud
Auth does not take its word that a rule matched: the portal forwards the raw values of the
attributes its own rule names, Cloud Auth checks them against its own copy of
``auth_sso.admin_attributes`` and marks the SSO token it issues (token source ``sso-admin``).
Only such a token, still live, can be exchanged for a token of the local superuser ``admin``,
and only while ``auth_sso`` is on and the rule is still set. Both identities are audited.
"""

from cloudauth.sso.services import SsoAdminLogin


def includeme(config):
    config.include("pyramid_services")

    def factory(context, request) -> SsoAdminLogin:
        from cloudauth.tokens.services import TokenService

        return SsoAdminLogin(request.db, request.find_service(TokenService), request.now)

    config.register_service_factory(factory, SsoAdminLogin)
