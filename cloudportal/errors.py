"""What can go wrong behind a page, as domain errors the views turn into form errors, banners
or one error page; and that page (the portal's one error view: never a trace, never JSON)."""

from __future__ import annotations

import logging

from pyramid.csrf import BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPFound

from cloudportal.admin.session import restore
from common.errors import APIError

log = logging.getLogger("scm.cloudportal")


class BackendError(Exception):
    """A backend answered with a refusal (4xx, or a 5xx it explained)."""

    def __init__(self, service: str, status: int, message: str):
        super().__init__(f"{service}: {status} {message}")
        self.service, self.status, self.message = service, status, message


class SessionEnded(BackendError):
    """The backend no longer accepts the signed-in user's token (revoked, expired, or the
    account was deactivated): the portal session ends with it."""


class BackendUnavailable(Exception):
    """A backend cannot be reached, timed out, or answered something that is not its API."""

    def __init__(self, service: str, reason: str):
        super().__init__(f"{service} is unreachable: {reason}")
        self.service, self.reason = service, reason


def _page(request, status: int, title: str, message: str):
    from pyramid.renderers import render_to_response

    response = render_to_response(
        "error.mako", {"heading": title, "message": message, "status": status}, request=request
    )
    response.status = status
    return response


def unavailable_view(exc: BackendUnavailable, request):
    log.warning("backend unavailable on %s %s: %s", request.method, request.path, exc)
    return _page(
        request,
        503,
        f"{exc.service} is unreachable",
        f"The portal cannot reach {exc.service} right now ({exc.reason}). Try again in a few "
        "minutes; if it lasts, tell your site's administrator.",
    )


def session_ended_view(exc: SessionEnded, request):
    viewed = restore(request.session)
    if viewed is not None:
        # the masquerade token ended (expired, or the user was deactivated): back to the
        # superuser's own session, not out of the portal
        request.session.flash(f"Viewing as {viewed.get('email')} has ended.", "info")
        return HTTPFound(request.route_url("admin.users"))
    request.session.invalidate()
    request.session.flash("Your session has ended; please log in again.", "info")
    return HTTPFound(request.route_url("login", _query={"next": request.path_qs}))


def backend_error_view(exc: BackendError, request):
    return _page(request, exc.status if 400 <= exc.status < 600 else 502, exc.service, exc.message)


def csrf_view(exc, request):
    return _page(
        request,
        400,
        "This form has expired",
        "The form was sent without its security token (or with an old one). Go back, reload "
        "the page and try again.",
    )


def api_error_view(exc: APIError, request):
    titles = {404: "Not found", 403: "Not allowed", 405: "Not allowed"}
    return _page(request, exc.status, titles.get(exc.status, "Bad request"), exc.message)


def not_found_view(exc, request):
    return _page(request, 404, "Not found", "There is no page at this address.")


def http_exception_view(exc: HTTPException, request):
    if exc.code < 400:
        return exc
    return _page(request, exc.code, exc.title, exc.explanation or exc.title)


def unexpected_view(exc, request):
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return _page(
        request,
        500,
        "Something went wrong",
        "The portal could not complete this request. The incident is logged; try again, and "
        "tell your site's administrator if it happens again.",
    )


def includeme(config):
    config.add_exception_view(session_ended_view, context=SessionEnded)
    config.add_exception_view(backend_error_view, context=BackendError)
    config.add_exception_view(unavailable_view, context=BackendUnavailable)
    config.add_exception_view(csrf_view, context=BadCSRFToken)
    config.add_exception_view(api_error_view, context=APIError)
    config.add_notfound_view(not_found_view)
    config.add_exception_view(http_exception_view, context=HTTPException)
    config.add_exception_view(unexpected_view, context=Exception)
