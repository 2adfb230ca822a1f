"""The one HTTP path to every backend: a pooled ``urllib3.PoolManager`` per backend per process,
the user's token headers, bounded timeouts, and the backends' envelopes turned into domain
errors (:mod:`cloudportal.errors`).

urllib3 directly, not ``requests`` on top of it: a login-nodes page makes one call per controller,
and ``requests``' preparation of each call (settings merged, hooks, cookies) cost about 0.8 ms
of CPU more per call for nothing the portal uses; the portal shares its cores with the
controllers it waits for. What ``requests`` did that matters is done here: form and query
encoding (lists repeat the parameter, ``None`` is left out), the JSON body, TLS verified against
certifi's bundle (or the configured one), no proxy from the environment, no redirects, no
retries."""

from __future__ import annotations

import json as jsonlib
import threading
from urllib.parse import urlencode

import certifi
import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, TimeoutError

from cloudportal.errors import BackendError, BackendUnavailable, SessionEnded
from cloudportal.settings import Backend
from common.security import TOKEN_HEADER, USERID_HEADER


def pooled_session(backend: Backend, pool_size: int) -> urllib3.PoolManager:
    """Keep-alive connections to one backend, shared by the process's threads. TLS as
    ``backend.verify_tls`` says: verified (certifi's bundle, or a configured CA bundle's path),
    or not at all."""
    verify = backend.verify_tls
    if verify is False:
        tls = {"cert_reqs": "CERT_NONE"}
    else:
        bundle = certifi.where() if verify is True else verify
        tls = {"cert_reqs": "CERT_REQUIRED", "ca_certs": bundle}
    return urllib3.PoolManager(num_pools=4, maxsize=pool_size, retries=False, **tls)


def encode(fields: dict | None) -> str:
    """A query string or form body: a list repeats its key, ``None`` is left out."""
    if not fields:
        return ""
    pairs = []
    for key, value in fields.items():
        for one in value if isinstance(value, (list, tuple)) else (value,):
            if one is not None:
                pairs.append((key, one))
    return urlencode(pairs)


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
        http: urllib3.PoolManager,
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
        response = self.send(method, path, params=params, data=data, json=json, auth=auth)
        try:
            body = jsonlib.loads(response.data) if response.data else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or "success" not in body:
            raise BackendUnavailable(
                self.service, f"it answered HTTP {response.status}, not its API"
            )
        if response.status < 400 and body.get("success"):
            return body
        message = str(body.get(self.message_key) or body.get("error") or "refused")
        status = response.status if response.status >= 400 else 400
        if status == 401 and auth:
            raise SessionEnded(self.service, status, message)
        if status in (502, 503, 504):
            raise BackendUnavailable(self.service, message)
        raise BackendError(self.service, status, message)

    def send(
        self, method: str, path: str, *, params=None, data=None, json=None, auth=True, stream=False
    ) -> urllib3.BaseHTTPResponse:
        """One request; the answer read whole, or left to read (``stream``: the caller reads
        and releases it). No answer at all is :class:`BackendUnavailable`."""
        headers = self.credentials.headers() if auth else {}
        body = None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = encode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        query = encode(params)
        url = self.backend.url + path + ("?" + query if query else "")
        try:
            return self.http.request(
                method,
                url,
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(
                    connect=self.backend.connect_timeout, read=self.backend.read_timeout
                ),
                redirect=False,
                preload_content=not stream,
            )
        except NewConnectionError:  # urllib3 makes it a kind of ConnectTimeoutError
            raise BackendUnavailable(self.service, "the connection failed") from None
        except TimeoutError:
            raise BackendUnavailable(self.service, "it did not answer in time") from None
        except HTTPError:
            raise BackendUnavailable(self.service, "the connection failed") from None
