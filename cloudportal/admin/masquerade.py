"""Masquerade ("view as"): the superuser sees the portal as another user.

Session contract (shared with the other features, common.md): while masquerading,
``session["masquerade"]`` holds the real (superuser's) identity, a dict with ``userid, email,
name, token, roles``; the top-level ``token, userid, email, name, roles`` are the viewed user's,
so every page and every backend call is that user's. The token is a Cloud Auth masquerade
token: Cloud Auth and the controllers audit every change made with it under both identities.
"""

from __future__ import annotations

import logging
import uuid

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.admin.session import begin, masquerading, restore
from cloudportal.clients.cloudauth_admin import ICloudAuthAdmin
from cloudportal.errors import BackendError, BackendUnavailable
from common.params import path_uuid

log = logging.getLogger("scm.cloudportal.masquerade")


@view_config(route_name="admin.masquerade", request_method="POST", permission="superuser")
def start(request):
    userid = uuid.UUID(path_uuid(request, "user", "user")).hex
    if masquerading(request.session):
        request.session.flash("Stop viewing as the current user first.", "error")
        return HTTPFound(request.route_url("nodes"))
    try:
        answer = request.find_service(ICloudAuthAdmin).masquerade(userid, request.client_addr)
    except BackendError as exc:
        if exc.status == 404:
            raise
        request.session.flash(f"Cannot view as this user: {exc.message}", "error")
        return HTTPFound(request.route_url("admin.user", user=userid))
    begin(request.session, answer)
    request.session.flash(
        f"Now viewing the portal as {answer.email}. Every change you make is recorded in "
        "the audit log under both your names."
    )
    return HTTPFound(request.route_url("nodes"))


@view_config(route_name="admin.masquerade_end", request_method="POST", permission="password")
def stop(request):
    session = request.session
    if not masquerading(session):
        return HTTPFound(request.route_url("home"))
    try:
        request.find_service(ICloudAuthAdmin).end_masquerade()
    except (BackendError, BackendUnavailable) as exc:
        # The session goes back to the superuser anyway; the token ends with theirs.
        log.warning("ending a masquerade token failed: %s", exc)
    viewed = restore(session)
    session.flash(f"You stopped viewing as {viewed.get('email')}.")
    return HTTPFound(request.route_url("admin.user", user=viewed.get("userid")))
