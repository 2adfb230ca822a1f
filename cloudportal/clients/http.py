"""The one HTTP path to every backend: a pooled ``requests.Session`` per backend per process,
the user's token headers, bounded timeouts, and the backends' envelopes turned into domain
errors (:mod:`cloudportal.errors`)."""

from __future__ import annotations

import threading

import requests
from requests.adapters import HTTPAdapter

from cloudportal.errors import BackendError, BackendUnavailable, SessionEnded
from cloudportal.settings import Backend
from common.security import TOKEN_HEADER, USERID_HEADER


def pooled_session(pool_size: int) -> requests.Session:
    http = requests.Session()
    http.trust_env = False  # never route the portal's backend calls through a user's proxy
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


class CallCounter:
    """Backend calls made for one page (the bench's "calls per page"); thread-safe because a
    page's calls to several controllers run in a small pool."""

    def __init__(self):
        self._lock = threading.Lock()
        self.count = 0

    def add(self) -> None:
        with self._lock:
            self.count += 1


class Credentials:
    """The signed-in user's token and id (from the server-side session), or none."""

    def __init__(self, token: str | None, userid: str | None):
        self.token, self.userid = token, userid

    def headers(self) -> dict:
        if not self.token or not self.userid:
            return {}
        return {TOKEN_HEADER: self.token, USERID_HEADER: self.userid}


class BackendHTTP:
    """Calls to one backend. ``message_key``: where its envelope puts the error text
    (``message`` for Cloud Auth, ``msg`` for the controller and the accountant)."""

    def __init__(
        self,
        backend: Backend,
        http: requests.Session,
        credentials: Credentials,
        counter: CallCounter,
        message_key: str,
    ):
        self.backend, self.http, self.credentials = backend, http, credentials
        self.counter, self.message_key = counter, message_key

    @property
    def service(self) -> str:
        return self.backend.name

    def call(self, method: str, path: str, *, params=None, data=None, json=None, auth=True):
        self.counter.add()
        try:
            response = self.http.request(
                method,
                self.backend.url + path,
                params=params,
                data=data,
                json=json,
                headers=self.credentials.headers() if auth else {},
                timeout=(self.backend.connect_timeout, self.backend.read_timeout),
                verify=self.backend.verify_tls,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise BackendUnavailable(self.service, "it did not answer in time") from None
        except requests.RequestException:
            raise BackendUnavailable(self.service, "the connection failed") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "success" not in body:
            raise BackendUnavailable(
                self.service, f"it answered HTTP {response.status_code}, not its API"
            )
        if response.status_code < 400 and body.get("success"):
            return body
        message = str(body.get(self.message_key) or body.get("error") or "refused")
        status = response.status_code if response.status_code >= 400 else 400
        if status == 401 and auth:
            raise SessionEnded(self.service, status, message)
        if status in (502, 503, 504):
            raise BackendUnavailable(self.service, message)
        raise BackendError(self.service, status, message)
