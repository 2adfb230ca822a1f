"""Scyld Cloud Workstation sign-in (seed 1.8.9; docs/scw.md): which nodes are workstations,
the URL the browser is sent to, and the hand-off page's Content-Security-Policy.

An image marks its nodes as workstations with the Glance property ``service_url`` (seed
1.12.14: ``https://{}/``), which the controller publishes as ``service-url``; ``{}`` stands
for the node's address, the same address the controller's readiness check uses (public IP,
else private IP)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from cloudportal.web import SECURITY_HEADERS

MASQUERADE_REASON = (
    "SCW Login is unavailable while you view the portal as another user: the workstation would "
    "sign you in as them (scw_token_login.masq_allowed is off)."
)


def scw_mode(request) -> str:
    """``off`` (no SCW Login on this site), ``masquerade`` (shown disabled, with the reason)
    or ``on``."""
    settings = request.registry["scm.settings"]
    if not settings.scw_token_login:
        return "off"
    if request.session.get("masquerade") and not settings.scw_token_login_masq_allowed:
        return "masquerade"
    return "on"


PLACEHOLDER = "{}"
MAX_URL = 1024


def why_not(node) -> str | None:
    """Why SCW Login cannot sign in to this node (a :class:`~cloudportal.nodes.model.Node` the
    user may log in to) now, in the user's words; None when it can."""
    name = node.hostname or node.id
    if not node.image.get("service-url"):
        return f"{name} runs no Scyld Cloud Workstation (its image has no service_url)."
    if node.status != "ACTIVE":
        return f"{name} is {node.label.lower()}: SCW Login works once it is running."
    if not node.workstation:
        return (
            f"{name}'s workstation address cannot be made from its image's service_url and its "
            "IP addresses; tell your site's administrator."
        )
    return None


def workstation_url(template: str | None, public_ip: str, private_ip: str) -> str:
    """The node's workstation URL, or "" when the image names none or the result is not a
    plain http(s) URL (an image property is operator data, but it reaches a browser's form
    action: checked all the same)."""
    if not template or not isinstance(template, str):
        return ""
    url = template.strip()
    if PLACEHOLDER in url:
        address = _address(public_ip) or _address(private_ip)
        if not address:
            return ""
        url = url.replace(PLACEHOLDER, address)
    return url if _plain_http_url(url) else ""


def _address(text: str) -> str:
    try:
        address = ipaddress.ip_address((text or "").strip())
    except ValueError:
        return ""
    return f"[{address}]" if address.version == 6 else str(address)


def _plain_http_url(url: str) -> bool:
    if len(url) > MAX_URL or any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        return False
    if any(ch in url for ch in "\"'<>\\`"):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host) and "@" not in parts.netloc


def handoff_policy(url: str) -> str:
    """The portal's CSP, with the one workstation the hand-off form posts to added to
    ``form-action`` (and nothing else relaxed)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    # CSP host sources have no IPv6 literal form: the scheme alone stands in for such a host.
    if ":" in host:
        source = f"{parts.scheme}:"
    else:
        source = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    return policy.replace("form-action 'self'", f"form-action 'self' {source}")
