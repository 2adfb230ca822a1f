"""Is a booted VM ready (seed 1.15.4)? By default its ssh server answers on port 22; an image
with a ``service_url`` property (e.g. ``https://{}/``) is ready when that URL, ``{}`` replaced by
the VM's address, answers at all."""

from __future__ import annotations

import socket
import ssl
import urllib.error
import urllib.request

SSH_PORT = 22
TIMEOUT = 3.0


def ssh_answers(address: str, port: int = SSH_PORT, timeout: float = TIMEOUT) -> bool:
    """True when something on ``address:port`` greets with an SSH banner."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            return conn.recv(64).startswith(b"SSH-")
    except OSError:
        return False


def url_answers(url: str, timeout: float = TIMEOUT) -> bool:
    """True when the URL gives any HTTP answer (a login page, even a 401 or 404, means the web
    server is up). A VM's certificate is usually self-signed: it is not checked here."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context):  # noqa: S310
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def vm_ready(address: str, service_url: str | None) -> bool:
    if service_url:
        return url_answers(service_url.replace("{}", address))
    return ssh_answers(address)
