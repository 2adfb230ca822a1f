"""Helpers to parse PasteDeploy settings (all strings) into typed values, once, at start-up.

Each app owns a frozen dataclass built with these helpers; a bad value stops the app with a
:class:`ConfigError` naming the setting, never a traceback deep inside a request.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Any

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the setting."""


class Raw:
    """Read typed values out of a raw settings mapping, naming the key in every error."""

    def __init__(self, raw: Mapping[str, Any]):
        self.raw = raw

    def str(self, key: str, default: str | None = None) -> str:
        value = self.raw.get(key)
        if value is None:
            if default is None:
                raise ConfigError(f"setting {key} is required")
            return default
        return str(value).strip()

    def optional(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None or not str(value).strip():
            return None
        return str(value).strip()

    def bool(self, key: str, default: bool) -> bool:
        value = self.raw.get(key)
        if value is None:
            return default
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ConfigError(f"setting {key} must be true or false, not {value!r}")

    def tls_verify(self, key: str, ca_file_key: str | None = None) -> bool | str:
        """How to check a peer's TLS certificate, as ``requests`` takes it: a true/false word
        (default true), or the path of a CA bundle; a set ``ca_file_key`` names the bundle."""
        if ca_file_key is not None and (ca_file := self.optional(ca_file_key)):
            return ca_file
        value = self.raw.get(key)
        if value is None:
            return True
        word = str(value).strip()
        if word.lower() in TRUE_WORDS or word.lower() in FALSE_WORDS:
            return self.bool(key, True)
        return word

    def int(self, key: str, default: int, minimum: int | None = None) -> int:
        value = self.raw.get(key)
        if value is None or not str(value).strip():
            return default
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ConfigError(f"setting {key} must be a whole number, not {value!r}") from None
        if minimum is not None and number < minimum:
            raise ConfigError(f"setting {key} must be at least {minimum}, not {number}")
        return number

    def duration(self, key: str, default: float) -> float:
        """Seconds, written as ``30``, ``30s``, ``5m``, ``2h`` or ``1d``."""
        value = self.raw.get(key)
        if value is None or not str(value).strip():
            return default
        return parse_duration(str(value), key)

    def words(self, key: str) -> tuple[str, ...]:
        """A space- or comma-separated list."""
        value = self.raw.get(key) or ""
        return tuple(w for w in re.split(r"[\s,]+", str(value)) if w)

    def networks(self, key: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """Space-separated IPs and CIDRs (``127.0.0.1 10.0.0.0/8``)."""
        return parse_networks(self.words(key), key)

    def json(self, key: str, default: Any) -> Any:
        value = self.raw.get(key)
        if value is None or not str(value).strip():
            return default
        try:
            return json.loads(str(value))
        except ValueError as exc:
            raise ConfigError(f"setting {key} must be JSON: {exc}") from None

    def prefixed(self, prefix: str) -> dict[str, str]:
        """Every setting starting with ``prefix``, the prefix removed."""
        return {k[len(prefix) :]: str(v) for k, v in self.raw.items() if k.startswith(prefix)}


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, key: str = "duration") -> float:
    match = _DURATION.match(text.lower())
    if not match:
        raise ConfigError(f"setting {key} must be a duration like 30s, 5m or 2h, not {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_networks(words, key: str = "hosts"):
    nets = []
    for word in words:
        try:
            nets.append(ipaddress.ip_network(word, strict=False))
        except ValueError:
            raise ConfigError(f"setting {key}: {word!r} is not an IP address or CIDR") from None
    return tuple(nets)
