"""The audit trail (``AuditLog``): logins, token issue and revocation, user, key, role and
registry changes."""

from cloudauth.audit.services import AuditLog


def includeme(config):
    config.include("pyramid_services")

    def audit_factory(context, request) -> AuditLog:
        return AuditLog(request.db, request.now, request.client_addr)

    config.register_service_factory(audit_factory, AuditLog)
