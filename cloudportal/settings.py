"""The portal's settings, parsed once from ``cloudportal.ini`` into a frozen object (seed 1.8.1,
1.8.7, 1.8.8, 1.8.10). A bad value stops the portal with a :class:`ConfigError` naming it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from cloudportal.registration.settings import RegistrationSettings, parse_registration
from common.settings import ConfigError, Raw
from common.sso import Rules, parse_admin_attributes

VERSION = "3.1.0"
_CLOUDCON_KEY = re.compile(r"^cloudcon\.(\d+)\.([a-z_]+)$")
_CLOUDCON_ATTRS = frozenset(
    {
        "driver",
        "name",
        "description",
        "api_version",
        "api_endpoint",
        "api_ssl",
        "report_queues",
        "boot_timeout",
        "reboot_timeout",
    }
)
# host:port, optionally with a path prefix (a controller behind a shared Apache)
_ENDPOINT = re.compile(r"^[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._\-/]*)?$")
_API_VERSION = re.compile(r"^1(\.[01])?$")


@dataclass(frozen=True)
class Backend:
    """How the portal reaches one service: its base URL, timeouts and TLS verification."""

    name: str  # shown to users when it cannot be reached ("Cloud Auth", "Penguin West")
    url: str
    connect_timeout: float
    read_timeout: float
    verify_tls: bool | str


@dataclass(frozen=True)
class CloudController:
    """``cloudcon.<id>.*`` (seed 1.8.7)."""

    id: int
    name: str
    description: str
    backend: Backend
    report_queues: tuple[str, ...]
    # The controller's virtualization.boot_timeout / reboot_timeout (seconds): a node on its way
    # for longer is flagged as late (portal-ux.md section 3). The API does not publish them.
    boot_timeout: float = 180.0
    reboot_timeout: float = 240.0


@dataclass(frozen=True)
class SessionSettings:
    # Where sessions live: redis://... in production, memory://<name> in the embedded default.
    url: str
    idle_timeout: float
    absolute_timeout: float
    cookie_name: str
    cookie_secure: bool


@dataclass(frozen=True)
class SiteSettings:
    """Branding (seed 1.8.10)."""

    title: str
    logo: str | None  # a file path, served by the portal at /site-logo
    sidebar_lower: str  # operator HTML, rendered unescaped (the one exception)
    login_help_message: str
    templates: str | None  # a directory searched before the built-in templates


@dataclass(frozen=True)
class PortalSettings:
    db_url: str
    cloudauth: Backend
    accountant: Backend | None
    controllers: tuple[CloudController, ...]
    storage_mgmt: bool
    cc_storage_driver: str
    ssh_key_mgmt: bool
    session: SessionSettings
    site: SiteSettings
    backend_workers: int
    registration: RegistrationSettings
    # SAML single sign-on through the Shibboleth SP (seed 1.8.4, 1.17): /sso/login on
    auth_sso: bool = False
    # SAML attribute values that show "Log in as admin" (common.sso; Cloud Auth holds the same)
    sso_admin_attributes: Rules = ()
    # Where logging out of an SSO session goes after the portal's own logout: the Shibboleth
    # SP's logout handler (a path on the portal's host, or a URL); "" ends the portal's only.
    sso_logout_url: str = "/Shibboleth.sso/Logout"
    # Scyld Cloud Workstation sign-in (seed 1.8.9): the SCW Login button on nodes whose image
    # has a service_url; masq_allowed keeps it while a superuser views the portal as a user.
    scw_token_login: bool = False
    scw_token_login_masq_allowed: bool = False
    # My Login Nodes shows the newest this many live nodes per controller ("Show all" lists
    # every one): Horizon's default page size.
    nodes_page_size: int = 20

    def controller(self, cc_id: int) -> CloudController | None:
        return next((c for c in self.controllers if c.id == cc_id), None)

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> PortalSettings:
        r = Raw(raw)
        db_url = r.optional("sqlalchemy.url")
        if not db_url:
            raise ConfigError("setting sqlalchemy.url is required")
        connect = r.duration("backend.connect_timeout", 3)
        read = r.duration("backend.timeout", 10)
        verify = _verify(r, "backend.verify_tls")
        accountant_url = r.optional("cloudaccountant.url")
        return cls(
            db_url=db_url,
            cloudauth=Backend(
                "Cloud Auth", _url(r, "cloudauth.url", required=True), connect, read, verify
            ),
            accountant=(
                Backend("Cloud Accountant", _url(r, "cloudaccountant.url"), connect, read, verify)
                if accountant_url
                else None
            ),
            controllers=_controllers(raw, connect, read, verify),
            storage_mgmt=r.bool("scm.storage_mgmt", False),
            cc_storage_driver=r.str("scm.cc_storage_driver", "") or "",
            ssh_key_mgmt=r.bool("scm.ssh_key_mgmt", True),
            session=_session(r),
            site=_site(r),
            backend_workers=r.int("backend.workers", 16, minimum=1),
            registration=parse_registration(r),
            auth_sso=r.bool("auth_sso", False),
            sso_admin_attributes=parse_admin_attributes(r.optional("auth_sso.admin_attributes")),
            sso_logout_url=_logout_url(r, "auth_sso.logout_url", "/Shibboleth.sso/Logout"),
            scw_token_login=r.bool("scw_token_login", False),
            scw_token_login_masq_allowed=r.bool("scw_token_login.masq_allowed", False),
            nodes_page_size=r.int("nodes.page_size", 20, minimum=1),
        )


def _verify(r: Raw, key: str) -> bool | str:
    """true/false, or the path of a CA bundle."""
    value = r.str(key, "true")
    if value.lower() in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        return r.bool(key, True)
    if not os.path.isfile(value):
        raise ConfigError(f"setting {key}: no CA bundle file {value!r}")
    return value


def _logout_url(r: Raw, key: str, default: str) -> str:
    """A path on the portal's own host (``/...``), an http(s) URL, or blank (none)."""
    value = r.str(key, default)
    if not value:
        return ""
    parsed = urlparse(value)
    on_host = value.startswith("/") and not value.startswith("//") and not parsed.netloc
    if not on_host and (parsed.scheme not in ("http", "https") or not parsed.netloc):
        raise ConfigError(
            f"setting {key} must be a path such as /Shibboleth.sso/Logout, an http:// or "
            f"https:// URL, or blank, not {value!r}"
        )
    if any(ch.isspace() or ch in "<>\"'" for ch in value):
        raise ConfigError(f"setting {key} must not contain spaces, quotes or angle brackets")
    return value


def _url(r: Raw, key: str, required: bool = False) -> str:
    value = r.str(key) if required else (r.optional(key) or "")
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"setting {key} must be an http:// or https:// URL, not {value!r}")
    return value.rstrip("/")


def _controllers(raw, connect: float, read: float, verify) -> tuple[CloudController, ...]:
    found: dict[int, dict[str, str]] = {}
    for key, value in raw.items():
        if not key.startswith("cloudcon."):
            continue
        match = _CLOUDCON_KEY.match(key)
        if not match or match.group(2) not in _CLOUDCON_ATTRS:
            known = ", ".join(sorted(_CLOUDCON_ATTRS))
            raise ConfigError(f"setting {key}: expected cloudcon.<id>.<{known}>")
        cc_id = int(match.group(1))
        if cc_id < 1:
            raise ConfigError(f"setting {key}: cloud controller ids start at 1")
        found.setdefault(cc_id, {})[match.group(2)] = str(value).strip()
    if not found:
        raise ConfigError("at least one cloud controller is required (cloudcon.<id>.api_endpoint)")
    controllers = []
    for cc_id in sorted(found):
        attrs = found[cc_id]
        prefix = f"cloudcon.{cc_id}"
        driver = attrs.get("driver", "scm") or "scm"
        if driver != "scm":
            raise ConfigError(f"setting {prefix}.driver must be scm, not {driver!r}")
        endpoint = attrs.get("api_endpoint", "")
        if not endpoint or not _ENDPOINT.match(endpoint):
            raise ConfigError(f"setting {prefix}.api_endpoint must be host:port, not {endpoint!r}")
        version = attrs.get("api_version", "1") or "1"
        if not _API_VERSION.match(version):
            raise ConfigError(f"setting {prefix}.api_version must be 1, 1.0 or 1.1")
        ssl = Raw({f"{prefix}.api_ssl": attrs.get("api_ssl")}).bool(f"{prefix}.api_ssl", True)
        scheme = "https" if ssl else "http"
        name = attrs.get("name") or f"Cloud controller {cc_id}"
        controllers.append(
            CloudController(
                id=cc_id,
                name=name,
                description=attrs.get("description", ""),
                backend=Backend(
                    name,
                    f"{scheme}://{endpoint.rstrip('/')}/v{version}",
                    connect,
                    read,
                    verify,
                ),
                report_queues=tuple(attrs.get("report_queues", "").split()),
                boot_timeout=_timeout(attrs, prefix, "boot_timeout", 180.0),
                reboot_timeout=_timeout(attrs, prefix, "reboot_timeout", 240.0),
            )
        )
    return tuple(controllers)


def _timeout(attrs: dict, prefix: str, name: str, default: float) -> float:
    key = f"{prefix}.{name}"
    seconds = Raw({key: attrs.get(name)}).duration(key, default)
    if seconds <= 0:
        raise ConfigError(f"setting {key} must be a positive duration, not {attrs.get(name)!r}")
    return seconds


def _session(r: Raw) -> SessionSettings:
    url = r.str("session.url", "memory://portal")
    if urlparse(url).scheme not in ("memory", "redis", "rediss", "unix"):
        raise ConfigError(f"setting session.url must be redis://... or memory://..., not {url!r}")
    idle = r.duration("session.idle_timeout", 1800)
    absolute = r.duration("session.absolute_timeout", 43200)
    if idle <= 0 or absolute <= 0:
        raise ConfigError("session timeouts must be positive")
    name = r.str("session.cookie_name", "scm_portal")
    if not re.match(r"^[A-Za-z0-9_\-]{1,64}$", name):
        raise ConfigError("setting session.cookie_name: letters, digits, _ and - only")
    return SessionSettings(url, idle, absolute, name, r.bool("session.cookie_secure", True))


def _site(r: Raw) -> SiteSettings:
    logo = r.optional("site.logo")
    if logo and not os.path.isfile(logo):
        raise ConfigError(f"setting site.logo: no file {logo!r}")
    templates = r.optional("site.templates")
    if templates and not os.path.isdir(templates):
        raise ConfigError(f"setting site.templates: no directory {templates!r}")
    return SiteSettings(
        title=r.str("site.title", "Scyld Cloud Manager"),
        logo=logo,
        sidebar_lower=r.str("site.sidebar_lower", ""),
        login_help_message=r.str("site.login_help_message", ""),
        templates=templates,
    )


FEATURES = (
    "auth",
    "profile",
    "nodes",
    "accounts",
    "users",
    "help",
    "reports",
    "registration",
    "admin",
)


def pyramid_settings(raw: dict[str, Any], settings: PortalSettings) -> dict[str, Any]:
    """What the Configurator sees: the raw settings plus Mako's, with the site's template
    directory searched before the built-in ones (``site.templates``, seed 1.8.10)."""
    directories = [settings.site.templates] if settings.site.templates else []
    directories.append("cloudportal:templates")
    directories += [f"cloudportal:{feature}/templates" for feature in FEATURES]
    out = dict(raw)
    out.setdefault("scm.app_name", "cloudportal")
    out["mako.directories"] = "\n".join(directories)
    # HTML-escape every ${...} unless a template says otherwise: markupsafe.escape, through
    # cloudportal.escaping (the same result, without copying what is already Markup). Mako's
    # own "h" would name markupsafe.escape whatever is imported, hence the other name.
    out["mako.imports"] = "from cloudportal.escaping import escape_html"
    out["mako.default_filters"] = "escape_html"
    out["mako.strict_undefined"] = "true"
    return out
