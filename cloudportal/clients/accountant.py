"""The Cloud Accountant (``cloudaccountant.url``): usage summaries and reports, read-only."""

from __future__ import annotations

from collections.abc import Iterator

import requests
from zope.interface import Interface

from cloudportal.clients.http import BackendHTTP
from cloudportal.errors import BackendError, BackendUnavailable, SessionEnded

CSV_CHUNK = 64 * 1024


class IAccountant(Interface):
    """Marker for the per-request accountant client service (None when not configured)."""


class AccountantClient:
    def __init__(self, http: BackendHTTP):
        self.http = http

    def usage(self, family: str, start_date: str, end_date: str, **params) -> list[dict]:
        """``family``: storage, user-storage, server-instance, job, job/detail."""
        query = {"start_date": start_date, "end_date": end_date, **params}
        return self.http.call("GET", f"/{family}", params=query)["data"]

    def report(self, family: str, params: dict) -> dict:
        """``family``: server-instance, storage, user-storage, job; ``params`` as the
        accountant's ``/report/<family>`` takes them (lists repeat the parameter)."""
        return self.http.call("GET", f"/report/{family}", params=params)["data"]

    def jobs(self, params: dict) -> dict:
        """A page of itemised jobs: ``{"rows", "next"}``."""
        return self.http.call("GET", "/report/job/detail", params=params)["data"]

    def jobs_csv(self, params: dict) -> Iterator[bytes]:
        """The accountant's streamed CSV of every job, passed on chunk by chunk: the first
        chunk is read here, so a refusal is raised before the portal starts its response."""
        http = self.http
        http.counter.add()
        try:
            response = http.http.get(
                http.backend.url + "/report/job/detail",
                params={**params, "format": "csv"},
                headers=http.credentials.headers(),
                timeout=(http.backend.connect_timeout, http.backend.read_timeout),
                verify=http.backend.verify_tls,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException:
            raise BackendUnavailable(http.service, "the connection failed") from None
        if response.status_code != 200 or not response.headers.get("Content-Type", "").startswith(
            "text/csv"
        ):
            _refused(http.service, response)
        chunks = response.iter_content(CSV_CHUNK)
        first = next(chunks, b"")

        def body() -> Iterator[bytes]:
            try:
                yield first
                yield from chunks
            finally:
                response.close()

        return body()


def _refused(service: str, response: requests.Response):
    try:
        message = str(response.json().get("msg") or "refused")
    except ValueError:
        raise BackendUnavailable(service, f"it answered HTTP {response.status_code}") from None
    finally:
        response.close()
    if response.status_code == 401:
        raise SessionEnded(service, 401, message)
    if response.status_code in (502, 503, 504):
        raise BackendUnavailable(service, message)
    raise BackendError(service, response.status_code, message)
