"""The SAML attributes of an SSO login, as the Shibboleth SP (mod_shib) hands them over.

With ``ShibUseEnvironment On`` mod_shib puts each attribute of attribute-map.xml (by its ``id``)
into Apache's request environment, which mod_wsgi passes as WSGI ``environ`` keys of the same
name. Only those keys are read: never ``HTTP_*``, the headers a browser (or anyone) can send.
mod_shib clears request headers named like its attributes, but the portal does not depend on
that. A request without a Shibboleth session in its environment did not come through mod_shib
(the path is not protected, or the portal is reached some other way) and is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from common.errors import BadRequest, Forbidden
from common.sso import attribute_values

# mod_shib's own variable; mod_wsgi keeps the name, a CGI bridge turns "-" into "_".
SESSION_KEYS = ("Shib-Session-ID", "Shib_Session_ID")
MAX_IDENTITY = 255
MAX_NAME = 255
MAX_RAW = 8192
EMAIL = re.compile(r"^[^@\s;]{1,64}@[^@\s;]{1,189}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class SamlUser:
    username: str  # the identity Cloud Auth keeps (sso_identity)
    name: str
    email: str
    admin_attributes: dict[str, str]  # raw values of the attributes the admin rule names


def _one(environ: Mapping, key: str, limit: int) -> str | None:
    raw = environ.get(key)
    if not isinstance(raw, str) or not raw.strip():
        return None
    if len(raw) > MAX_RAW or CONTROL.search(raw):
        raise BadRequest(f"The identity provider sent an unusable {key} attribute.")
    values = attribute_values(raw)
    if not values:
        return None
    value = values[0].strip()
    if len(value) > limit:
        raise BadRequest(f"The identity provider sent a {key} longer than {limit} characters.")
    return value


def saml_user(environ: Mapping, admin_keys: tuple[str, ...]) -> SamlUser:
    """The SSO user in ``environ``; a clear 403/400 when it is not a Shibboleth login or an
    attribute the portal needs is missing or unusable."""
    if not any(environ.get(key) for key in SESSION_KEYS):
        raise Forbidden(
            "This sign-in page must be reached through the site's single sign-on (Shibboleth). "
            "If you followed a link here, tell your site's administrator."
        )
    missing = []
    username_raw = environ.get("username")
    if isinstance(username_raw, str) and len(attribute_values(username_raw)) > 1:
        raise BadRequest("The identity provider sent several usernames; it must send one.")
    username = _one(environ, "username", MAX_IDENTITY)
    email = _one(environ, "email", 254)  # the first address of several
    name = _one(environ, "fullName", MAX_NAME)
    if not name:
        first = _one(environ, "firstName", MAX_NAME) or ""
        last = _one(environ, "lastName", MAX_NAME) or ""
        name = f"{first} {last}".strip()[:MAX_NAME]
    if not username:
        missing.append("username")
    if not email:
        missing.append("email")
    if missing:
        raise BadRequest(
            "The identity provider did not send " + " and ".join(missing) + ", which this "
            "portal needs to sign you in. Ask your site's administrator to release "
            "it to this service (attribute-map.xml ids: username, email, fullName)."
        )
    if not EMAIL.match(email):
        raise BadRequest("The identity provider sent an email address that is not one.")
    admin_attributes = {
        key: environ[key]
        for key in admin_keys
        if isinstance(environ.get(key), str) and len(environ[key]) <= MAX_RAW
    }
    return SamlUser(username, name or username, email, admin_attributes)
