"""Two-legged OAuth 1.0 (RFC 5849) for ``GET /auth/request_token``.

Consumer key = the user's API key, consumer secret = their API secret; no token secret.
HMAC-SHA1 (what python-oauth2 clients in the field send) and HMAC-SHA256 are accepted; the
timestamp must be within ``oauth.timestamp_window`` and each nonce is accepted once (kept in the
shared cache), so a captured request cannot be replayed. oauthlib does the RFC work.
"""

from __future__ import annotations

import re

from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint
from oauthlib.oauth1.rfc5849 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256
from sqlalchemy import select

from cloudauth.users.models import User
from common.errors import Unauthorized
from common.netaddr import in_networks


class MalformedOAuth(Unauthorized):
    default_message = "malformed OAuth request: the Authorization header or oauth_ parameters"


_SAFE = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")


class ApiKeyValidator(RequestValidator):
    def __init__(self, db, cache, box, window: float):
        super().__init__()
        self.db, self.cache, self.box, self.window = db, cache, box, window
        self.user: User | None = None

    # The RFC allows any key and nonce format; oauthlib's defaults (20-30 chars) are stricter
    # than keys issued by other SCM installations, so accept any safe string of sane length.
    def check_client_key(self, client_key):
        return bool(_SAFE.match(client_key))

    def check_nonce(self, nonce):
        return bool(_SAFE.match(nonce))

    @property
    def allowed_signature_methods(self):
        return (SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256)

    @property
    def enforce_ssl(self):
        return False  # TLS ends at Apache/HAProxy; the scheme in the signed URL still counts

    @property
    def timestamp_lifetime(self):
        return int(self.window)

    @property
    def dummy_client(self):
        return "dummy-client-key-0000"

    def validate_client_key(self, client_key, request):
        user = self.db.scalar(select(User).where(User.api_key == client_key))
        if user is None or user.active <= 0 or not user.api_secret_encrypted:
            return False
        self.user = user
        return True

    def get_client_secret(self, client_key, request):
        if self.user is not None and self.user.api_key == client_key:
            secret = self.box.open(self.user.api_secret_encrypted)
            if secret is not None:
                return secret
        return "dummy-secret-never-matches-anything-0000"

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, **kw):
        # Remember the nonce for twice the window: a replay inside the window always meets it.
        return self.cache.add(f"oauthnonce:{client_key}:{timestamp}:{nonce}", 1, 2 * self.window)


class OAuthCheck:
    """Checks a two-legged OAuth 1.0 request signed with an API key and secret."""

    def __init__(self, db, cache, box, window: float):
        self.db, self.cache, self.box, self.window = db, cache, box, window

    def verify(self, url: str, method: str, body: str | bytes | None, headers: dict) -> User | None:
        """The API key's user when the request's signature, timestamp and nonce are good; None
        when they are not; :class:`MalformedOAuth` when it cannot even be read as OAuth.
        ``url`` is the URL the client signed (:func:`signed_url`)."""
        validator = ApiKeyValidator(self.db, self.cache, self.box, self.window)
        endpoint = SignatureOnlyEndpoint(validator)
        try:
            valid, _ = endpoint.validate_request(url, method, body or None, headers)
        except ValueError:
            # oauthlib parses the header before any check and raises on what it cannot split.
            raise MalformedOAuth() from None
        return validator.user if valid else None


def oauth_parts(request) -> tuple[str, str, bytes | None, dict]:
    """What of a request the signature covers: (signed URL, method, form body, headers)."""
    headers = {
        k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")
    }
    form = request.content_type == "application/x-www-form-urlencoded"
    body = request.body if request.method != "GET" and form else None
    try:
        url = signed_url(request)
    except ValueError:  # a URL that does not decode cannot have been signed
        raise MalformedOAuth() from None
    return url, request.method, body, headers


def signed_url(request) -> str:
    """The URL the client signed: behind a trusted proxy, its forwarded scheme and host."""
    trusted = request.registry["scm.trusted_proxies"]
    if not in_networks(request.remote_addr or "", trusted):
        return request.url
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    host = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
    scheme = proto if proto in ("http", "https") else request.scheme
    return f"{scheme}://{host or request.host}{request.path_qs}"
