"""``POST /auth/scw_token`` (a user's own token in, a one-time SCW token out) and the SCW branch
of ``GET /auth/verify_token`` (the workstation's check that consumes it)."""

from __future__ import annotations

import re
from collections.abc import Callable

from pyramid.view import view_config

from cloudauth.audit.services import audit
from cloudauth.scw.services import PERMISSION, ScwTokenService
from cloudauth.users.models import User
from common.envelope import utc_text
from common.errors import BadRequest, Forbidden, Unauthorized
from common.params import Params

JSON = "scm_json"
_INSTANCE_ID = re.compile(r"^[A-Za-z0-9\-]{1,64}$")
REFUSED = "the SCW token is invalid, expired or already used"


@view_config(
    route_name="auth.scw_token", request_method="POST", renderer=JSON, permission="authenticated"
)
def issue_scw_token(request):
    """For the caller only (the token in the headers says who): nobody asks for another
    user's SCW token."""
    params = Params(request)
    service_url = params.required("service_url", 1024)
    cc_id = (
        params.int("cloud_controller_id", minimum=1)
        if params.optional("cloud_controller_id", 12)
        else None
    )
    instance = params.optional("server_instance_id", 64)
    if instance is not None and not _INSTANCE_ID.match(instance):
        raise BadRequest("server_instance_id: letters, digits and - only")
    user = request.db.get(User, request.identity.userid)
    if user is None or user.active <= 0:
        raise Unauthorized()
    scw = request.find_service(ScwTokenService)
    token, expires_at = scw.issue(user, service_url, cc_id, instance, request.client_addr)
    where = f"cc={cc_id} instance={instance}" if cc_id or instance else ""
    audit(request, "scw_token.issued", actor=user.id, subject=user.id, detail=where)
    return request.ok(
        {
            "auth_token": token,
            "expires_at_utc": utc_text(expires_at),
            "userid": user.id,
            "service_url": service_url.strip(),
        }
    )


def verify_scw_token(request, token: str, mismatch: Callable[[dict], str | None]):
    """``/auth/verify_token`` for a token that is no bearer token: an SCW token is checked once,
    by an account holding ``verify_scw_token`` (the SCW admin account), and is used up by that
    check whatever its outcome (a wrong user named burns it too). Refusals are returned, not
    raised, so the consumption and its audit row are committed."""
    scw = request.find_service(ScwTokenService)
    row = scw.find(token)
    if row is None:
        raise Unauthorized("the token is invalid, expired or revoked")
    caller = request.identity
    if caller is None:
        raise Unauthorized(
            "checking an SCW token needs the SCW admin account's own token in X-Auth-Token and "
            "X-Auth-Cloudauth-Id"
        )
    if not caller.has(PERMISSION):
        raise Forbidden(f"checking an SCW token needs the {PERMISSION} permission")
    redeemed = scw.redeem(row, caller.userid)
    failure = REFUSED if redeemed is None else None
    found = None
    if redeemed is not None:
        found = redeemed.answer()
        failure = mismatch(found["user"])
    detail = f"by {caller.userid}" + (f": {failure}" if failure else "")
    event = "scw_token.refused" if failure else "scw_token.used"
    audit(request, event, actor=caller.userid, subject=row.user_id, detail=detail)
    if failure:
        request.response.status = 401
        return request.registry["scm.envelope"].failure(failure)
    return request.ok(found)
