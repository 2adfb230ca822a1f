"""The controller's one view for OpenStack's domain errors raised inside a request: the cloud
down or refusing SCM's credentials is a 503, never a 500; its NotFound is the API's 404."""

from __future__ import annotations

import logging

from pyramid.view import exception_view_config

from cloudcontroller.openstack import errors

log = logging.getLogger(__name__)

STATUS = (
    (errors.NotFound, 404),
    (errors.QuotaOrCapacity, 409),
    (errors.Conflict, 409),
    (errors.BadRequest, 422),
)


@exception_view_config(errors.OpenStackError, renderer="scm_json")
def openstack_error_view(exc, request):
    status = next((code for kind, code in STATUS if isinstance(exc, kind)), 503)
    if status == 503:
        log.warning("OpenStack failed on %s %s: %s", request.method, request.path, exc.detail)
        message = f"OpenStack is unavailable: {exc.detail}"
    else:
        message = exc.detail
    request.response.status = status
    return request.registry["scm.envelope"].failure(message)
