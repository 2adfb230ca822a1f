"""The client's address, taken correctly behind Apache/HAProxy, and host allow-lists.

``X-Forwarded-For`` is believed only as far as it was written by a proxy listed in
``trusted_proxies``: walking the header from the right, the first address that is not a trusted
proxy is the client. With no trusted proxies the TCP peer is the client, whatever headers say.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def in_networks(address, networks: Iterable[Network]) -> bool:
    ip = address if not isinstance(address, str) else _ip(address)
    if ip is None:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def client_address(environ, trusted_proxies: tuple[Network, ...]) -> str | None:
    peer = environ.get("REMOTE_ADDR")
    if not trusted_proxies or not in_networks(peer or "", trusted_proxies):
        return peer
    forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if _ip(hop) is None:
            return None  # a malformed hop: believe nothing further left
        if not in_networks(hop, trusted_proxies):
            return hop
    return hops[0] if hops else peer


def includeme(config):
    from common.settings import Raw

    trusted = Raw(config.get_settings()).networks("trusted_proxies")
    config.registry["scm.trusted_proxies"] = trusted
    config.add_request_method(
        lambda request: client_address(request.environ, request.registry["scm.trusted_proxies"]),
        "client_addr",
        reify=True,
    )
