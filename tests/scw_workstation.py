"""A stand-in Scyld Cloud Workstation on loopback: it does exactly what an SCW node does with a
portal's sign-in (docs/scw.md), over real HTTP to a live Cloud Auth.

- It holds the SCW admin account's API key and secret (seed 1.8.9:
  ``Server.Auth.ScyldCloudAuth.ApiKey`` / ``ApiSecret``) and gets its own token with a signed
  OAuth 1.0 ``GET /auth/request_token`` (HMAC-SHA1, as SCW's client signs), kept until it expires.
- ``POST <any path>`` with the hand-off form: it checks ``auth_token`` with
  ``GET /auth/verify_token`` (its own token in the headers, the user named by ``email``), then
  that the token was issued for the URL the form was posted to (``scw.service_url``), and, when
  it has an allow list (``Server.Auth.ScyldCloudAuth.Allow``, seed 1.12.7), that the user is on
  it. Then it opens a desktop session (a cookie) and redirects to ``/desktop``.
- A refusal is a 401 page naming Cloud Auth's reason. Every attempt is kept in ``attempts``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import secrets
import threading
from dataclasses import dataclass, field

import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, Client
from waitress.server import create_server
from webob import Request, Response

from tests.live import free_port


@dataclass
class Attempt:
    token: str
    email: str
    ok: bool
    reason: str


@dataclass
class StandInWorkstation:
    cloudauth_url: str
    api_key: str
    api_secret: str
    allow: set[str] | None = None
    attempts: list[Attempt] = field(default_factory=list)
    desktops: dict[str, str] = field(default_factory=dict)  # session cookie -> email

    def __post_init__(self):
        self.http = requests.Session()
        self.http.trust_env = False
        self._own: tuple[dict, dt.datetime] | None = None
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = create_server(
            self, asyncore_use_poll=True, host="127.0.0.1", port=self.port, threads=4
        )
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        with contextlib.suppress(OSError):
            self.server.run()

    def close(self):
        self.server.close()

    # -- what an SCW node does -----------------------------------------------------------------
    def own_headers(self) -> dict:
        """The SCW admin account's token, requested by OAuth and reused until it expires."""
        with self._lock:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            if self._own is None or self._own[1] <= now + dt.timedelta(seconds=30):
                url = self.cloudauth_url + "/auth/request_token"
                client = Client(
                    self.api_key,
                    client_secret=self.api_secret,
                    signature_method=SIGNATURE_HMAC_SHA1,
                )
                _, headers, _ = client.sign(url)
                response = self.http.get(url, headers=headers, timeout=10)
                body = response.json()
                if response.status_code != 200 or not body.get("success"):
                    raise RuntimeError(f"request_token refused: {body}")
                expires = dt.datetime.strptime(body["expires_at_utc"][:19], "%Y-%m-%dT%H:%M:%S")
                userid = body["data"]["userid"]
                headers = {
                    "X-Auth-Token": body["authentication_token"],
                    "X-Auth-Cloudauth-Id": userid,
                }
                self._own = (headers, expires)
            return self._own[0]

    def check(self, token: str, email: str, posted_to: str) -> str | None:
        """None when the sign-in is good, else the reason it is refused."""
        response = self.http.get(
            self.cloudauth_url + "/auth/verify_token",
            params={"auth_token": token, "email": email},
            headers=self.own_headers(),
            timeout=10,
        )
        body = response.json()
        if response.status_code != 200 or not body.get("success"):
            return body.get("error") or body.get("message") or f"HTTP {response.status_code}"
        scw = body["data"].get("scw")
        if not scw:
            return "not a one-time SCW token"
        if scw["service_url"] != posted_to:
            return f"the token was issued for {scw['service_url']}, not this workstation"
        if self.allow is not None and body["data"]["user"]["email"].lower() not in self.allow:
            return "you are not allowed on this workstation"
        return None

    # -- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.method == "GET" and request.path == "/desktop":
            response = self._desktop(request)
        elif request.method == "POST":
            response = self._sign_in(request)
        else:
            response = _page(404, "Not found", "Nothing here.")
        return response(environ, start_response)

    def _sign_in(self, request: Request) -> Response:
        token = request.POST.get("auth_token", "")
        email = request.POST.get("email", "")
        reason = "the form carries no auth_token or email" if not (token and email) else None
        if reason is None:
            reason = self.check(token, email, request.url)
        self.attempts.append(Attempt(token, email, reason is None, reason or ""))
        if reason is not None:
            return _page(401, "Sign-in refused", reason)
        session = secrets.token_urlsafe(16)
        self.desktops[session] = email
        response = Response(status=303, location=self.url + "/desktop")
        response.set_cookie("scw_session", session, httponly=True, samesite="lax")
        return response

    def _desktop(self, request: Request) -> Response:
        email = self.desktops.get(request.cookies.get("scw_session", ""))
        if email is None:
            return _page(401, "Sign-in required", "Sign in through the portal's SCW Login.")
        return _page(200, "Scyld Cloud Workstation", f"Signed in to the workstation as {email}.")


def _page(status: int, title: str, text: str) -> Response:
    body = (
        f"<!DOCTYPE html><html lang='en'><head><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p id='message'>{html.escape(text)}</p></body></html>"
    )
    return Response(body, status=status, content_type="text/html", charset="utf-8")
