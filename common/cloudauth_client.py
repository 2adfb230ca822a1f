"""The Cloud Auth client used by the controller, the accountant and the portal.

It speaks Cloud Auth's public API over HTTP (form parameters in, envelope out). Answers of
``success: false`` become domain errors; a Cloud Auth that cannot be reached is ``Unavailable``.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from common.errors import APIError, BadRequest, Forbidden, NotFound, Unauthorized, Unavailable
from common.security import TOKEN_HEADER, USERID_HEADER, Identity

_BY_STATUS = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 503: Unavailable}


@dataclass(frozen=True)
class CloudAuthClientSettings:
    url: str
    timeout: float = 5.0
    verify_tls: bool | str = True


class CloudAuthClient:
    def __init__(self, settings: CloudAuthClientSettings, session: requests.Session | None = None):
        self.base = settings.url.rstrip("/")
        self.settings = settings
        self.http = session or requests.Session()

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

    def verify(self, request, token: str, userid: str) -> Identity | None:
        """The :class:`common.security.IdentityVerifier` contract, over HTTP."""
        try:
            body = self.call("GET", "/auth/verify_token", {"auth_token": token, "userid": userid})
        except (Unauthorized, NotFound, BadRequest, Forbidden):
            return None
        return Identity.from_json(body["data"])
