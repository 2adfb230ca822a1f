"""Cloud Auth, as the portal uses it: logins, the signed-in user's identity, profile, password,
API key, managed users. Form fields in, envelope ``data`` out (shared/API.md)."""

from __future__ import annotations

from dataclasses import dataclass

from zope.interface import Interface

from cloudportal.clients.http import BackendHTTP


class ICloudAuth(Interface):
    """Marker for the per-request Cloud Auth client service."""


@dataclass(frozen=True)
class LoginAnswer:
    token: str
    userid: str
    email: str
    default_password: bool
    expires_at_utc: str
    registration_source: str = ""
    # SSO logins: Cloud Auth's own auth_sso.admin_attributes matched (/auth/sso_admin_login)
    sso_admin: bool = False


class CloudAuthClient:
    def __init__(self, http: BackendHTTP, userid: str | None):
        self.http, self.userid = http, userid

    # -- no token ------------------------------------------------------------------------
    def login(self, login: str, password: str, client_address: str | None) -> LoginAnswer:
        """``client_address``: the browser's address, which Cloud Auth's rate limits and audit
        use when the portal is in ``login_allowed.hosts`` (the portal is the TCP peer)."""
        form = {"password": password, ("email" if "@" in login else "username"): login}
        if client_address:
            form["client_address"] = client_address
        body = self.http.call("POST", "/auth/login", data=form, auth=False)
        return _answer(body, login)

    def sso_login(
        self,
        identity: str,
        email: str,
        name: str,
        client_address: str | None,
        attributes: dict[str, str],
        first_login: bool = True,
    ) -> LoginAnswer:
        """An identity the SAML identity provider vouched for (``auth_sso``). ``attributes``:
        the raw mod_shib values of the attributes ``auth_sso.admin_attributes`` names, which
        Cloud Auth checks against its own copy of the rule. ``first_login`` False: Cloud Auth
        refuses to create an account that does not exist yet."""
        form = {"sso_identity": identity, "email": email, "name": name}
        form["first_login"] = "true" if first_login else "false"
        form.update({f"attr.{key}": value for key, value in attributes.items() if value})
        if client_address:
            form["client_address"] = client_address
        return _answer(self.http.call("POST", "/auth/sso_login", data=form, auth=False), email)

    def sso_admin_login(self, sso_token: str, client_address: str | None) -> LoginAnswer:
        """A token of the local superuser for the holder of an admin-eligible SSO token."""
        form = {"auth_token": sso_token}
        if client_address:
            form["client_address"] = client_address
        body = self.http.call("POST", "/auth/sso_admin_login", data=form, auth=False)
        return _answer(body, "admin")

    def verify(self, token: str, userid: str) -> dict:
        """The identity a token stands for: user, roles, permissions."""
        return self.http.call(
            "GET", "/auth/verify_token", params={"auth_token": token, "userid": userid}, auth=False
        )["data"]

    def revoke(self, token: str) -> None:
        self.http.call("POST", "/auth/revoke_token", data={"auth_token": token}, auth=False)

    # -- registration and forgotten passwords (the portal's host, no token) ----------------
    @staticmethod
    def _client(form: dict, client_address: str | None) -> dict:
        if client_address:
            form["client_address"] = client_address
        return form

    def account_status(self, email: str, client_address: str | None) -> dict:
        """``{email, kind: none|local|directory|superuser, active}``: never shown to a visitor."""
        params = self._client({"email": email}, client_address)
        return self.http.call("GET", "/auth/account_status", params=params, auth=False)["data"]

    def register(
        self, email: str, name: str, password: str, role: str, client_address: str | None
    ) -> dict:
        form = {"email": email, "name": name, "password": password, "default_role": role}
        form = self._client(form, client_address)
        return self.http.call("POST", "/auth/register", data=form, auth=False)["data"]

    def reset_password(self, email: str, password: str, client_address: str | None) -> dict:
        form = self._client({"email": email, "password": password}, client_address)
        return self.http.call("POST", "/auth/reset_password", data=form, auth=False)["data"]

    # -- the signed-in user's token ------------------------------------------------------
    def user(self, userid: str) -> dict:
        return self.http.call("GET", f"/user/view/{userid}")["data"]

    def update_user(self, userid: str, **changes) -> dict:
        return self.http.call("POST", f"/user/update/{userid}", data=changes)["data"]

    def set_password(self, userid: str, password: str, current: str | None = None) -> dict:
        form = {"password": password}
        if current is not None:
            form["current_password"] = current
        return self.http.call("POST", f"/user/set_password/{userid}", data=form)["data"]

    def managed_users(self, owner_userid: str | None) -> list[dict]:
        """The users ``owner_userid`` manages; every user when it is None (the superuser)."""
        params = {"show_inactive": "true", "limit": "10000"}
        if owner_userid:
            params["owner_userid"] = owner_userid
        data = self.http.call("GET", "/user/list", params=params)["data"]
        return data.get("users", [])

    def role_id(self, name: str) -> int | None:
        """The id of the role called ``name`` (permission ``manage_role``: the superuser)."""
        roles = self.http.call("GET", "/role/list")["data"].get("roles", [])
        return next((r["id"] for r in roles if r.get("name") == name), None)

    def set_role_member(self, role_id: int, userid: str, member: bool) -> None:
        action = "add_user" if member else "remove_user"
        self.http.call("POST", f"/role/{action}/{int(role_id)}", data={"user_id": userid})

    def create_user(self, email: str, name: str, password: str) -> dict:
        form = {"email": email, "name": name, "password": password}
        form["registration_source"] = "portal"
        return self.http.call("POST", "/user/create", data=form)["data"]

    def scw_token(self, service_url: str, cc_id: int, instance_id: str) -> dict:
        """A one-time Scyld Cloud Workstation sign-in token for the signed-in user, for the
        workstation at ``service_url`` (docs/scw.md): ``auth_token``, ``expires_at_utc``."""
        form = {
            "service_url": service_url,
            "cloud_controller_id": str(cc_id),
            "server_instance_id": instance_id,
        }
        return self.http.call("POST", "/auth/scw_token", data=form)["data"]

    def api_key(self, userid: str) -> str:
        return self.http.call("GET", f"/api_key/view/{userid}")["data"].get("api_key") or ""

    def create_api_key(self, userid: str) -> dict:
        return self.http.call("POST", f"/api_key/create/{userid}")["data"]

    def delete_api_key(self, userid: str) -> None:
        self.http.call("POST", f"/api_key/delete/{userid}")


def _answer(body: dict, login: str) -> LoginAnswer:
    data = body.get("data") or {}
    return LoginAnswer(
        token=body["authentication_token"],
        userid=data["userid"],
        email=data.get("email", login),
        default_password=bool(data.get("default_password")),
        expires_at_utc=body.get("expires_at_utc", ""),
        registration_source=str(data.get("registration_source") or ""),
        sso_admin=data.get("sso_admin") is True,
    )
