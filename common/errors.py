"""Domain errors that carry their HTTP meaning, and the one error view each app includes.

Services raise these; ``includeme`` turns them (and Pyramid's own 404/403/405 cases, and any
unexpected exception) into the app's envelope with the right status. A stack trace goes to the
log, never into a response.
"""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPException
from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger(__name__)


class APIError(Exception):
    status = 400
    default_message = "bad request"

    def __init__(self, message: str | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message


class BadRequest(APIError):
    status = 400


class Unauthorized(APIError):
    status = 401
    default_message = "missing, invalid or expired token"


class Forbidden(APIError):
    status = 403
    default_message = "not allowed"


class NotFound(APIError):
    status = 404
    default_message = "not found"


class MethodNotAllowed(APIError):
    status = 405
    default_message = "method not allowed"


class Conflict(APIError):
    status = 409


class Unprocessable(APIError):
    status = 422


class TooManyRequests(APIError):
    status = 429
    default_message = "too many attempts; try again later"

    def __init__(self, message: str | None = None, retry_after: int = 1):
        super().__init__(message)
        # Seconds; every 429 carries it as Retry-After (RFC 9110 10.2.3).
        self.retry_after = max(1, int(retry_after))


class Unavailable(APIError):
    status = 503
    default_message = "a backend service is unavailable"


def _render(request, status: int, message: str, retry_after: int = 1):
    request.response.status = status
    if status == 429:
        request.response.headers["Retry-After"] = str(retry_after)
    return request.registry["scm.envelope"].failure(message)


def api_error_view(exc, request):
    return _render(request, exc.status, exc.message, getattr(exc, "retry_after", 1))


def not_found_view(exc, request):
    # A route matched but no view accepted the request method: that is a 405, not a 404.
    if request.matched_route is not None:
        return _render(request, 405, f"method {request.method} is not allowed here")
    return _render(request, 404, f"no resource at {request.path}")


def forbidden_view(exc, request):
    if request.authenticated_userid is None:
        return _render(request, 401, Unauthorized.default_message)
    permission = getattr(getattr(exc, "result", None), "permission", None)
    message = f"permission {permission} is required" if permission else "not allowed"
    return _render(request, 403, message)


def http_exception_view(exc, request):
    return _render(request, exc.code, exc.explanation or exc.title)


def database_error_view(exc, request):
    log.error("database error on %s %s", request.method, request.path, exc_info=exc)
    return _render(request, 503, "the database is unavailable; try again later")


def unexpected_error_view(exc, request):
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return _render(request, 500, "internal error; the incident is logged")


def includeme(config):
    config.include("pyramid_retry")  # its view predicates are used below
    json = "scm_json"
    config.add_exception_view(api_error_view, context=APIError, renderer=json)
    config.add_notfound_view(not_found_view, renderer=json)
    config.add_forbidden_view(forbidden_view, renderer=json)
    config.add_exception_view(
        http_exception_view, context=HTTPException, renderer=json, retryable_error=False
    )
    for predicate in ({"retryable_error": False}, {"last_retry_attempt": True}):
        config.add_exception_view(
            unexpected_error_view, context=Exception, renderer=json, **predicate
        )
        for context in (OperationalError, InterfaceError):
            config.add_exception_view(
                database_error_view, context=context, renderer=json, **predicate
            )
