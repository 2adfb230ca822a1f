"""``POST /auth/masquerade``, ``POST /auth/masquerade/end`` and ``POST /audit/record``."""

from __future__ import annotations

import re
import uuid

from pyramid.view import view_config

from cloudauth.audit.services import audit
from cloudauth.masquerade.services import MasqueradeService
from cloudauth.tokens.login import LoginService
from common.envelope import utc_text
from common.errors import BadRequest, Forbidden
from common.params import Params
from common.security import TOKEN_HEADER

JSON = "scm_json"
SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,31}$")


def _userid(params: Params) -> str:
    raw = params.required("userid", 64)
    try:
        return uuid.UUID(raw.strip()).hex
    except ValueError:
        raise BadRequest("userid must be a Cloud Auth user id (a UUID)") from None


@view_config(
    route_name="auth.masquerade", request_method="POST", renderer=JSON, permission="authenticated"
)
def start(request):
    params = Params(request)
    target = _userid(params)
    address = request.find_service(LoginService).client_address(
        request.client_addr, params.optional("client_address", 64)
    )
    m = request.find_service(MasqueradeService).start(
        request.caller, request.identity, target, address
    )
    audit(
        request,
        "masquerade.started",
        actor=m.superuser.id,
        subject=m.user.id,
        client_addr=address,
        detail=f"{m.superuser.email} views as {m.user.email}",
    )
    body = request.ok(
        {
            "authentication_token": m.token,
            "expires_at_utc": utc_text(m.expires_at),
            "userid": m.user.id,
            "email": m.user.email,
            "name": m.user.name,
            "roles": m.user.role_names,
            "masquerade": {"userid": m.superuser.id, "email": m.superuser.email},
        },
        f"viewing as {m.user.email}",
    )
    body["authentication_token"] = m.token
    body["expires_at_utc"] = utc_text(m.expires_at)
    request.response.status = 201
    return body


@view_config(
    route_name="auth.masquerade_end",
    request_method="POST",
    renderer=JSON,
    permission="authenticated",
)
def end(request):
    identity = request.identity
    request.find_service(MasqueradeService).end(
        identity, request.headers.get(TOKEN_HEADER, "").strip()
    )
    audit(
        request,
        "masquerade.ended",
        actor=identity.userid,
        subject=identity.userid,
        detail=f"{identity.masquerader_email} stopped viewing as {identity.email}",
    )
    return request.ok({"revoked": 1}, "masquerade ended")


@view_config(
    route_name="audit.record", request_method="POST", renderer=JSON, permission="authenticated"
)
def record_change(request):
    """A change another service made with a masquerade token. Both identities come from the
    token; the caller says only which service, what was done and how it ended."""
    identity = request.identity
    if not identity.is_masquerade:
        raise Forbidden("only changes made with a masquerade token are recorded here")
    params = Params(request)
    service = params.required("service", 32).strip()
    if not SERVICE_NAME.match(service):
        raise BadRequest("service must be a short name (letters, digits, space . _ : -)")
    action = params.required("action", 512).strip()
    if not action or not action.isprintable():
        raise BadRequest("action must be printable text")
    status = params.int("status", 0, minimum=0, maximum=599) if params.present("status") else 0
    detail = f"{service}: {action}" + (f" -> {status}" if status else "")
    audit(
        request, "masquerade.change", actor=identity.userid, subject=identity.userid, detail=detail
    )
    request.response.status = 201
    return request.ok({"recorded": 1}, "recorded")
