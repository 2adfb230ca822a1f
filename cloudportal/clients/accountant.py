"""The Cloud Accountant (``cloudaccountant.url``): usage summaries, read-only. The Usage and
Reports pages are a later issue; the client is here so they plug into the same layer."""

from __future__ import annotations

from zope.interface import Interface

from cloudportal.clients.http import BackendHTTP


class IAccountant(Interface):
    """Marker for the per-request accountant client service (None when not configured)."""


class AccountantClient:
    def __init__(self, http: BackendHTTP):
        self.http = http

    def usage(self, family: str, start_date: str, end_date: str, **params) -> list[dict]:
        """``family``: storage, user-storage, server-instance, job, job/detail."""
        query = {"start_date": start_date, "end_date": end_date, **params}
        return self.http.call("GET", f"/{family}", params=query)["data"]
