"""The Cloud Accountant's settings, parsed once from ``cloudaccountant.ini`` into a frozen object.

Besides its own database (``sqlalchemy.accountant.url``, seed 1.10.4) the accountant reads, per
cloud controller id, ``sqlalchemy.cloud.<id>.<type>.<attr>`` (seed 1.10.3): database URLs of the
controller's usage tables, the host that runs ``sacct``, and the paths of PBS, SGE and UGE
accounting files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from common.cloudauth_client import CloudAuthClientSettings
from common.settings import ConfigError, Raw

VERSION = "3.1.0"

DB_TYPES = ("instances", "storage", "user_storage", "users")
LOG_TYPES = ("pbs", "sge", "uge")
_ATTRS = {
    **{t: {"url"} for t in DB_TYPES},
    "slurm": {"server", "sacct", "cluster"},
    **{t: {"path", "cluster"} for t in LOG_TYPES},
}
_CLOUD_KEY = re.compile(r"^sqlalchemy\.cloud\.(\d+)\.([a-z_]+)\.([a-z_]+)$")


@dataclass(frozen=True)
class SlurmSource:
    server: str  # "local", or ssh://[user@]host[:port]
    sacct: str = "sacct"
    cluster: str | None = None  # passed as sacct --clusters when set


@dataclass(frozen=True)
class LogSource:
    path: str  # a local path, or ssh://[user@]host[:port]/path
    cluster: str


@dataclass(frozen=True)
class ControllerSources:
    id: int
    urls: dict[str, str] = field(default_factory=dict)  # DB_TYPES -> SQLAlchemy URL
    slurm: SlurmSource | None = None
    logs: dict[str, LogSource] = field(default_factory=dict)  # LOG_TYPES -> source


@dataclass(frozen=True)
class AccountantSettings:
    db_url: str
    cloudauth: CloudAuthClientSettings
    token_cache_ttl: float
    managed_users_cache_ttl: float
    timezone: ZoneInfo
    controllers: tuple[ControllerSources, ...]
    batch_size: int
    ssh_options: tuple[str, ...]
    bulk_load: bool = True  # MariaDB: job batches by LOAD DATA LOCAL INFILE when allowed

    @property
    def controller_ids(self) -> frozenset[int]:
        return frozenset(c.id for c in self.controllers)

    def controller(self, cc_id: int) -> ControllerSources | None:
        return next((c for c in self.controllers if c.id == cc_id), None)

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> AccountantSettings:
        r = Raw(raw)
        db_url = r.optional("sqlalchemy.accountant.url") or r.optional("sqlalchemy.url")
        if not db_url:
            raise ConfigError("setting sqlalchemy.accountant.url is required")
        tz_name = r.str("accounting.timezone", "UTC")
        try:
            timezone = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"setting accounting.timezone: unknown time zone {tz_name!r}"
            ) from None
        return cls(
            db_url=db_url,
            cloudauth=CloudAuthClientSettings(
                url=r.str("cloudauth.url"),
                timeout=r.duration("cloudauth.timeout", 5),
                verify_tls=r.tls_verify("cloudauth.verify_tls"),
            ),
            token_cache_ttl=r.duration("token.cache_ttl", 60),
            managed_users_cache_ttl=r.duration("managed_users.cache_ttl", 30),
            timezone=timezone,
            controllers=_controllers(raw),
            batch_size=r.int("import.batch_size", 50000, minimum=1),
            ssh_options=tuple(r.str("import.ssh_options", "-o BatchMode=yes").split()),
            bulk_load=r.bool("import.bulk_load", True),
        )


def _controllers(raw: dict[str, Any]) -> tuple[ControllerSources, ...]:
    found: dict[int, dict[str, dict[str, str]]] = {}
    for key, value in raw.items():
        if not key.startswith("sqlalchemy.cloud."):
            continue
        match = _CLOUD_KEY.match(key)
        if not match:
            raise ConfigError(
                f"setting {key}: expected sqlalchemy.cloud.<controller id>.<type>.<attribute>"
            )
        cc_id, kind, attr = int(match.group(1)), match.group(2), match.group(3)
        if kind not in _ATTRS:
            known = ", ".join(sorted(_ATTRS))
            raise ConfigError(f"setting {key}: unknown resource type {kind!r} ({known})")
        if attr not in _ATTRS[kind]:
            known = ", ".join(sorted(_ATTRS[kind]))
            raise ConfigError(f"setting {key}: {kind} takes {known}, not {attr!r}")
        if cc_id < 1:
            raise ConfigError(f"setting {key}: cloud controller ids start at 1")
        text = str(value).strip()
        if text:
            found.setdefault(cc_id, {}).setdefault(kind, {})[attr] = text
    controllers = []
    for cc_id in sorted(found):
        kinds = found[cc_id]
        urls = {k: v["url"] for k, v in kinds.items() if k in DB_TYPES}
        slurm = None
        if "slurm" in kinds:
            attrs = kinds["slurm"]
            if "server" not in attrs:
                raise ConfigError(f"setting sqlalchemy.cloud.{cc_id}.slurm.server is required")
            slurm = SlurmSource(attrs["server"], attrs.get("sacct", "sacct"), attrs.get("cluster"))
        logs = {}
        for kind in LOG_TYPES:
            if kind in kinds:
                attrs = kinds[kind]
                if "path" not in attrs:
                    raise ConfigError(f"setting sqlalchemy.cloud.{cc_id}.{kind}.path is required")
                logs[kind] = LogSource(attrs["path"], attrs.get("cluster", "default"))
        controllers.append(ControllerSources(cc_id, urls, slurm, logs))
    return tuple(controllers)


def pyramid_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """The settings the Configurator sees: ``sqlalchemy.accountant.*`` become the app's own
    ``sqlalchemy.*`` (what ``common.db`` reads); the controllers' URLs stay out of its way."""
    own = {k: v for k, v in raw.items() if not k.startswith("sqlalchemy.")}
    prefix = "sqlalchemy.accountant."
    engine = {"sqlalchemy." + k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix)}
    if not engine:
        engine = {
            k: v
            for k, v in raw.items()
            if k.startswith("sqlalchemy.") and not k.startswith("sqlalchemy.cloud.")
        }
    return {**own, **engine}
