"""The Cloud Accountant (``cloudaccountant.url``): usage summaries and reports, read-only."""

from __future__ import annotations

import json
from collections.abc import Iterator

import urllib3
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
        response = http.send(
            "GET", "/report/job/detail", params={**params, "format": "csv"}, stream=True
        )
        if response.status != 200 or not response.headers.get("Content-Type", "").startswith(
            "text/csv"
        ):
            _refused(http.service, response)
        chunks = response.stream(CSV_CHUNK)
        first = next(chunks, b"")

        def body() -> Iterator[bytes]:
            try:
                yield first
                yield from chunks
            finally:
                response.release_conn()

        return body()


def _refused(service: str, response: urllib3.BaseHTTPResponse):
    try:
        message = str(json.loads(response.read()).get("msg") or "refused")
    except (ValueError, AttributeError):
        raise BackendUnavailable(service, f"it answered HTTP {response.status}") from None
    finally:
        response.release_conn()
    if response.status == 401:
        raise SessionEnded(service, 401, message)
    if response.status in (502, 503, 504):
        raise BackendUnavailable(service, message)
    raise BackendError(service, response.status, message)
