"""Keystone v3: password/token auth with a service catalog, users, projects, roles, assignments."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import webob

from openstack_simulator.http import (
    ApiError,
    Ctx,
    Router,
    bad_request,
    empty_response,
    json_response,
    not_found,
)
from openstack_simulator.state import Store, isotime

router = Router()
REGION = "RegionOne"
TOKEN_LIFETIME = 3600.0
UNAUTHORIZED = "The request you have made requires authentication."

# (type, name, path under the simulator's root); Cinder is listed under both of its types.
SERVICES = [
    ("identity", "keystone", "/identity"),
    ("compute", "nova", "/compute/v2.1"),
    ("volumev3", "cinderv3", "/volume/v3/{project_id}"),
    ("block-storage", "cinder", "/volume/v3/{project_id}"),
    ("image", "glance", "/image"),
    ("network", "neutron", "/networking"),
]


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()
    return f"{salt}${digest}"


def check_password(stored: str, password: str) -> bool:
    salt = stored.split("$", 1)[0]
    return hmac.compare_digest(stored, hash_password(password, salt))


def catalog(base: str, project_id: str) -> list[dict]:
    entries = []
    for stype, name, path in SERVICES:
        url = base + path.format(project_id=project_id)
        endpoints = [
            {
                "id": hashlib.md5(f"{stype}{iface}".encode(), usedforsecurity=False).hexdigest(),
                "interface": iface,
                "region": REGION,
                "region_id": REGION,
                "url": url,
            }
            for iface in ("public", "internal", "admin")
        ]
        sid = hashlib.md5(stype.encode(), usedforsecurity=False).hexdigest()
        entries.append({"endpoints": endpoints, "id": sid, "type": stype, "name": name})
    return entries


def domain_ref(store: Store, domain_id: str) -> dict:
    domain = store.get("domain", domain_id) or {"id": domain_id, "name": domain_id}
    return {"id": domain["id"], "name": domain["name"]}


def find_domain(store: Store, ref: dict | None) -> dict:
    ref = ref or {"id": "default"}
    if "id" in ref:
        domain = store.get("domain", ref["id"])
    else:
        found = store.all("domain", name=ref.get("name"))
        domain = found[0] if found else None
    if domain is None:
        raise ApiError(401, UNAUTHORIZED)
    return domain


def roles_on(store: Store, user_id: str, project_id: str) -> list[dict]:
    role_ids = [
        a["role_id"] for a in store.all("assignment", user_id=user_id, project_id=project_id)
    ]
    roles = [store.get("role", rid) for rid in role_ids]
    return [{"id": r["id"], "name": r["name"]} for r in roles if r]


def validate_token(store: Store, token_id: str | None) -> dict | None:
    """The stored token if it exists and has not expired, else None."""
    if not token_id:
        return None
    token = store.get("token", token_id)
    if token is None or token["expires"] < time.time():
        return None
    return token


def token_body(ctx: Ctx, token: dict) -> dict:
    body = {
        "methods": token["methods"],
        "user": token["user"],
        "audit_ids": token["audit_ids"],
        "expires_at": isotime(token["expires"], micro=True) + "Z",
        "issued_at": isotime(token["issued"], micro=True) + "Z",
    }
    if token.get("project"):
        body["project"] = token["project"]
        body["is_domain"] = False
        body["roles"] = token["roles"]
        body["catalog"] = catalog(ctx.base, token["project"]["id"])
    return {"token": body}


def _authenticate_user(ctx: Ctx, identity: dict) -> tuple[dict, list[str]]:
    methods = identity.get("methods") or []
    if "password" in methods:
        spec = (identity.get("password") or {}).get("user") or {}
        if "id" in spec:
            user = ctx.store.get("user", spec["id"])
        else:
            domain = find_domain(ctx.store, spec.get("domain"))
            found = ctx.store.all("user", name=spec.get("name"), domain_id=domain["id"])
            user = found[0] if found else None
        if not user or not check_password(user["password_hash"], spec.get("password") or ""):
            raise ApiError(401, UNAUTHORIZED)
        if not user.get("enabled", True):
            raise ApiError(401, UNAUTHORIZED)
        return user, ["password"]
    if "token" in methods:
        old = validate_token(ctx.store, (identity.get("token") or {}).get("id"))
        if old is None:
            raise ApiError(404, "Could not find token.")
        user = ctx.store.get("user", old["user"]["id"])
        if user is None:
            raise ApiError(401, UNAUTHORIZED)
        return user, ["token", *[m for m in old["methods"] if m != "token"]]
    raise bad_request("Invalid input for field 'identity/methods'")


@router.route("POST", "/v3/auth/tokens")
def issue_token(ctx: Ctx) -> webob.Response:
    auth = ctx.json().get("auth")
    if not isinstance(auth, dict) or not isinstance(auth.get("identity"), dict):
        raise bad_request("Invalid input for field 'auth/identity'")
    user, methods = _authenticate_user(ctx, auth["identity"])
    now = time.time()
    token = {
        "id": "gAAAAA" + secrets.token_urlsafe(64),
        "methods": methods,
        "user": {
            "id": user["id"],
            "name": user["name"],
            "domain": domain_ref(ctx.store, user["domain_id"]),
            "password_expires_at": None,
        },
        "audit_ids": [secrets.token_urlsafe(16)[:22]],
        "issued": now,
        "expires": now + TOKEN_LIFETIME,
    }
    scope = auth.get("scope")
    if isinstance(scope, dict) and "project" in scope:
        ref = scope["project"]
        if "id" in ref:
            project = ctx.store.get("project", ref["id"])
        else:
            domain = find_domain(ctx.store, ref.get("domain"))
            found = ctx.store.all("project", name=ref.get("name"), domain_id=domain["id"])
            project = found[0] if found else None
        if project is None:
            raise ApiError(401, UNAUTHORIZED)
        roles = roles_on(ctx.store, user["id"], project["id"])
        if not roles:
            raise ApiError(401, UNAUTHORIZED)
        token["project"] = {
            "id": project["id"],
            "name": project["name"],
            "domain": domain_ref(ctx.store, project["domain_id"]),
        }
        token["roles"] = roles
    ctx.store.put("token", token)
    return json_response(token_body(ctx, token), 201, {"X-Subject-Token": token["id"]})


@router.route("GET,HEAD", "/v3/auth/tokens")
def check_token(ctx: Ctx) -> webob.Response:
    token = validate_token(ctx.store, ctx.request.headers.get("X-Subject-Token"))
    if token is None:
        subject = ctx.request.headers.get("X-Subject-Token")
        raise not_found(f"Could not find token: {subject}.")
    if ctx.request.method == "HEAD":
        return empty_response(200, {"X-Subject-Token": token["id"]})
    return json_response(token_body(ctx, token), 200, {"X-Subject-Token": token["id"]})


@router.route("DELETE", "/v3/auth/tokens")
def revoke_token(ctx: Ctx) -> webob.Response:
    subject = ctx.request.headers.get("X-Subject-Token", "")
    if validate_token(ctx.store, subject) is None:
        raise not_found(f"Could not find token: {subject}.")
    ctx.store.delete("token", subject)
    return empty_response(204)
