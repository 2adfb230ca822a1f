"""The audit trail (``AuditLog``): logins, token issue and revocation, user, key, role and
registry changes."""

from cloudauth.audit.services import AuditLog


def includeme(config):
    config.include("pyramid_services")

    def audit_factory(context, request) -> AuditLog:
        def masquerader() -> str | None:
            # A change made with a masquerade token also names the superuser holding it.
            identity = request.identity
            return identity.masquerader_userid if identity is not None else None

        return AuditLog(request.db, request.now, request.client_addr, masquerader)

    config.register_service_factory(audit_factory, AuditLog)
