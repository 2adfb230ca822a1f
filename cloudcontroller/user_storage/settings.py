"""Settings of the shared user-storage pool (seed 1.9.7, 1.9.9)."""

from __future__ import annotations

from dataclasses import dataclass

from cloudcontroller.accounts.settings import argv
from common.settings import ConfigError, Raw

QUOTA_DRIVERS = ("none", "lustre")


@dataclass(frozen=True)
class UserStorageSettings:
    # The pool's mount path on this controller; None: no shared pool is managed.
    pool: str | None = None
    quota_driver: str = "none"
    lfs: tuple[str, ...] = ("/usr/bin/lfs",)
    # A command printing "<user> <bytes>" lines (e.g. a wrapper of repquota/lfs quota); when set,
    # record_user_storage reads it instead of scanning the pool.
    usage_report: tuple[str, ...] | None = None
    scan_workers: int = 2
    command_timeout: float = 60.0

    @classmethod
    def from_raw(cls, r: Raw) -> UserStorageSettings:
        quota = r.str("user_storage.quota_driver", "none").lower()
        if quota not in QUOTA_DRIVERS:
            raise ConfigError(
                f"setting user_storage.quota_driver must be one of {', '.join(QUOTA_DRIVERS)}"
            )
        report = r.optional("user_storage.usage_report_command")
        return cls(
            pool=r.optional("user_storage.pool"),
            quota_driver=quota,
            lfs=argv(r, "storage.lustre.lfs", "/usr/bin/lfs"),
            usage_report=argv(r, "user_storage.usage_report_command", report) if report else None,
            scan_workers=r.int("user_storage.scan_workers", 2, minimum=1),
            command_timeout=r.duration("user_storage.command_timeout", 60),
        )
