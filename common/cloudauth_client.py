"""The Cloud Auth client used by the controller, the accountant and the portal.

It speaks Cloud Auth's public API over HTTP (form parameters in, envelope out). Answers of
``success: false`` become domain errors; a Cloud Auth that cannot be reached is ``Unavailable``.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import requests

from common.clock import system_clock
from common.envelope import parse_utc_text
from common.errors import (
    APIError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    Unavailable,
    Unprocessable,
)
from common.security import TOKEN_HEADER, USERID_HEADER, Identity

_BY_STATUS = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: Unprocessable,
    429: TooManyRequests,
    503: Unavailable,
}


@dataclass(frozen=True)
class CallerToken:
    """The caller's own credentials, passed on when a service asks Cloud Auth on their behalf
    (Cloud Auth then scopes its answer to them)."""

    token: str
    userid: str

    @classmethod
    def of(cls, request) -> CallerToken:
        return cls(
            request.headers.get(TOKEN_HEADER, "").strip(),
            request.headers.get(USERID_HEADER, "").strip(),
        )


@dataclass(frozen=True)
class CloudAuthClientSettings:
    url: str
    timeout: float = 5.0
    verify_tls: bool | str = True
    # The calling service's own account (e.g. the controller's cloudcontroller_admin user):
    # its API key and secret sign OAuth token requests.
    api_key: str | None = None
    api_secret: str | None = None
    # The service account's Cloud Auth user id, when Cloud Auth's token answer does not name it.
    userid: str | None = None
    # Renew the service token this long before it expires.
    renew_before: float = 300.0


class CloudAuthClient:
    def __init__(
        self,
        settings: CloudAuthClientSettings,
        session: requests.Session | None = None,
        clock=None,
    ):
        self.base = settings.url.rstrip("/")
        self.settings = settings
        self.http = session or requests.Session()
        self._clock = clock or system_clock
        self._service: tuple[str, str, dt.datetime] | None = None  # token, userid, expiry
        self._lock = threading.Lock()

    def call(self, method: str, path: str, params=None, token=None, userid=None) -> dict:
        headers = {}
        if token:
            headers[TOKEN_HEADER] = token
            headers[USERID_HEADER] = userid or ""
        kwargs = {"params": params} if method == "GET" else {"data": params}
        try:
            response = self.http.request(
                method,
                self.base + path,
                headers=headers,
                timeout=self.settings.timeout,
                verify=self.settings.verify_tls,
                **kwargs,
            )
        except requests.RequestException as exc:
            raise Unavailable(f"Cloud Auth cannot be reached: {exc.__class__.__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            raise Unavailable(f"Cloud Auth answered {response.status_code} without JSON") from None
        if response.status_code >= 500:
            raise Unavailable(f"Cloud Auth answered {response.status_code}: {body.get('message')}")
        if not body.get("success"):
            error = _BY_STATUS.get(response.status_code, APIError)
            raise error(body.get("message") or body.get("error") or "Cloud Auth refused")
        return body

    def call_as(self, caller: CallerToken, method: str, path: str, params=None) -> dict:
        """Call Cloud Auth with the caller's own token."""
        return self.call(method, path, params, token=caller.token, userid=caller.userid)

    def request_token(self) -> tuple[str, str, dt.datetime]:
        """A new token for the service account, by a two-legged OAuth 1.0 request."""
        from oauthlib.oauth1 import Client

        if not (self.settings.api_key and self.settings.api_secret):
            raise Unavailable("no API key/secret is configured for calling Cloud Auth")
        client = Client(self.settings.api_key, client_secret=self.settings.api_secret)
        uri, headers, _ = client.sign(self.base + "/auth/request_token")
        try:
            response = self.http.get(
                uri, headers=headers, timeout=self.settings.timeout, verify=self.settings.verify_tls
            )
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise Unavailable(f"Cloud Auth cannot be reached: {exc.__class__.__name__}") from exc
        if response.status_code != 200 or not body.get("authentication_token"):
            raise Unavailable(f"Cloud Auth refused this service's API key ({response.status_code})")
        expires = parse_utc_text(body["expires_at_utc"])
        userid = (body.get("data") or {}).get("userid") or self.settings.userid
        if not userid:
            raise Unavailable("Cloud Auth did not name the service account's user id; set it")
        return body["authentication_token"], userid, expires

    def service_call(self, method: str, path: str, params=None) -> dict:
        """Call Cloud Auth as this service's own account, renewing its token as needed."""
        with self._lock:
            now = self._clock()
            renew_at = dt.timedelta(seconds=self.settings.renew_before)
            if self._service is None or self._service[2] - renew_at <= now:
                self._service = self.request_token()
            token, userid, _ = self._service
        return self.call(method, path, params, token=token, userid=userid)

    def verify(self, request, token: str, userid: str) -> Identity | None:
        """The :class:`common.security.IdentityVerifier` contract, over HTTP."""
        try:
            body = self.call("GET", "/auth/verify_token", {"auth_token": token, "userid": userid})
        except (Unauthorized, NotFound, BadRequest, Forbidden):
            return None
        return Identity.from_json(body["data"])
