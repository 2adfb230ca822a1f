"""Changes made with a masquerade token are recorded in Cloud Auth's audit log.

For the services that authenticate through Cloud Auth (controller, accountant). When a request
that changes something (POST, PUT, PATCH, DELETE) carries a masquerade token (Cloud Auth's
token check names the superuser holding it) and succeeds, this tween reports it to Cloud Auth's
``POST /audit/record`` *with that same token*: Cloud Auth takes both identities (the user and
the superuser) from the token itself, so the row cannot name anyone else. It runs inside the
request's transaction: when the record cannot be written, the request fails with a 503 and its
change is not committed, so no change made while masquerading goes unaudited.
"""

from __future__ import annotations

import logging

from common.cloudauth_client import CallerToken
from common.errors import APIError, Unavailable

log = logging.getLogger(__name__)

CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def service_name(registry) -> str:
    """How the audit log names this service: ``cloudcontroller 2``."""
    settings = registry.get("scm.settings")
    name = registry.settings.get("scm.app_name", "service")
    cc_id = getattr(settings, "cloud_controller_id", None)
    return f"{name} {cc_id}" if cc_id else name


def masquerade_audit_tween_factory(handler, registry):
    service = service_name(registry)

    def tween(request):
        response = handler(request)
        if request.method not in CHANGES or response.status_code >= 400:
            return response  # a read, or a refusal: nothing changed
        identity = request.identity
        if identity is None or not identity.is_masquerade:
            return response
        action = f"{request.method} {request.path}"[:512]
        try:
            request.registry["scm.cloudauth"].call_as(
                CallerToken.of(request),
                "POST",
                "/audit/record",
                {"service": service, "action": action, "status": str(response.status_code)},
            )
        except APIError as exc:
            log.warning("masquerade change not recorded, so not made: %s (%s)", action, exc)
            raise Unavailable(
                "the change was not made: Cloud Auth could not record it in the audit log"
            ) from None
        return response

    return tween
