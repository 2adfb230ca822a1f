"""Cloud Auth, as the superuser's pages use it: paged user lists, roles, API keys, the cloud
controller registry, the audit log, and masquerade ("view as"). Form fields in, envelope
``data`` out (shared/API.md); every id that goes into a URL was checked by the view."""

from __future__ import annotations

from dataclasses import dataclass

from zope.interface import Interface

from cloudportal.clients.http import BackendHTTP


class ICloudAuthAdmin(Interface):
    """Marker for the per-request Cloud Auth client of the superuser's pages."""


@dataclass(frozen=True)
class Page:
    total: int
    rows: list[dict]


@dataclass(frozen=True)
class MasqueradeAnswer:
    token: str
    userid: str
    email: str
    name: str
    roles: tuple[str, ...]


class CloudAuthAdminClient:
    def __init__(self, http: BackendHTTP):
        self.http = http

    def _get(self, path: str, params=None) -> dict:
        return self.http.call("GET", path, params=params)["data"]

    def _post(self, path: str, form=None) -> dict:
        return self.http.call("POST", path, data=form or {})["data"]

    # -- users ---------------------------------------------------------------------------
    def users(self, *, search: str, sort: str, descending: bool, offset: int, limit: int) -> Page:
        params = {
            "show_inactive": "true",
            "sort": sort,
            "order": "desc" if descending else "asc",
            "offset": str(offset),
            "limit": str(limit),
        }
        if search:
            params["search"] = search
        data = self._get("/user/list", params)
        return Page(int(data.get("total", 0)), data.get("users", []))

    def emails(self, userids: list[str]) -> dict[str, str]:
        """Email by user id, for the users named (a page's node owners): one call."""
        if not userids:
            return {}
        params = {"userid": sorted(set(userids)), "show_inactive": "true", "limit": "1000"}
        users = self._get("/user/list", params).get("users", [])
        return {u["id"]: u.get("email", "") for u in users}

    def user_by_email(self, email: str) -> dict | None:
        """The user with this address (case-insensitive), or None."""
        params = {"email": email, "show_inactive": "true", "limit": "1"}
        users = self._get("/user/list", params).get("users", [])
        return users[0] if users else None

    def user(self, userid: str) -> dict:
        return self._get(f"/user/view/{userid}")

    def set_active(self, userid: str, active: bool) -> dict:
        return self._post(f"/user/update/{userid}", {"active": "1" if active else "0"})

    def set_password(self, userid: str, password: str) -> dict:
        return self._post(f"/user/set_password/{userid}", {"password": password})

    def set_api_key(self, userid: str, key: str, secret: str) -> dict:
        return self._post(f"/api_key/set/{userid}", {"api_key": key, "api_secret": secret})

    def roles(self) -> list[dict]:
        return self._get("/role/list").get("roles", [])

    def set_role_member(self, role_id: int, userid: str, member: bool) -> None:
        action = "add_user" if member else "remove_user"
        self._post(f"/role/{action}/{int(role_id)}", {"user_id": userid})

    # -- cloud controllers ---------------------------------------------------------------
    def controllers(self) -> list[dict]:
        return self._get("/cloud_controller/list").get("cloud_controllers", [])

    def controller(self, cc_id: int) -> dict:
        return self._get(f"/cloud_controller/view/{int(cc_id)}")

    def create_controller(self, form: dict) -> dict:
        return self._post("/cloud_controller/create", form)

    def update_controller(self, cc_id: int, form: dict) -> dict:
        return self._post(f"/cloud_controller/update/{int(cc_id)}", form)

    # -- audit log -----------------------------------------------------------------------
    def audit(self, params: dict) -> Page:
        data = self._get("/audit/list", params)
        return Page(int(data.get("total", 0)), data.get("events", []))

    # -- masquerade ----------------------------------------------------------------------
    def masquerade(self, userid: str, client_address: str | None) -> MasqueradeAnswer:
        form = {"userid": userid}
        if client_address:
            form["client_address"] = client_address
        body = self.http.call("POST", "/auth/masquerade", data=form)
        data = body.get("data") or {}
        return MasqueradeAnswer(
            token=body["authentication_token"],
            userid=data["userid"],
            email=data.get("email", ""),
            name=data.get("name", ""),
            roles=tuple(data.get("roles", ())),
        )

    def end_masquerade(self) -> None:
        """Revoke the masquerade token the session now holds (the client's credentials)."""
        self.http.call("POST", "/auth/masquerade/end")
