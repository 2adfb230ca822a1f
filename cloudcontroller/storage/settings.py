"""Settings of $HOME storage volumes (seed 1.9.6, ``storage.*`` of 1.9.8)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cloudcontroller.accounts.settings import argv
from common.settings import ConfigError, Raw

STORAGE_DRIVERS = ("none", "mkdir", "lustre", "nfs")


def _octal(r: Raw, key: str, default: str) -> int:
    text = r.str(key, default)
    try:
        mode = int(text, 8)
    except ValueError:
        raise ConfigError(f"setting {key} must be an octal mode like 750, not {text!r}") from None
    if not 0 <= mode <= 0o7777:
        raise ConfigError(f"setting {key} must be an octal mode like 750, not {text!r}")
    return mode


def _dict(r: Raw, key: str) -> dict[str, str]:
    value = r.json(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigError(f'setting {key} must be a JSON object of strings, like {{"a": "b"}}')
    return value


@dataclass(frozen=True)
class StorageSettings:
    driver: str = "none"
    root: str = "/home"  # storage.<driver>.root (falls back to storage.mkdir.root)
    options: int = 0o750
    skel: str | None = None
    lfs: tuple[str, ...] = ("/usr/bin/lfs",)
    lustre_default_quota_mb: int = 0
    lustre_max_quota_mb: int = 10_000_000
    lustre_timeout: float = 3.0
    nfs_servers: tuple[str, ...] = ()
    nfs_use_exports_d: bool = True
    nfs_etc: str = "/etc"  # where exports / exports.d live
    nfs_default_options: str = "rw,no_subtree_check"
    nfs_auto_exports: dict[str, str] = field(default_factory=dict)
    nfs_auto_mounts: dict[str, str] = field(default_factory=dict)
    nfs_auto_clients: tuple[str, ...] = ()
    exportfs: tuple[str, ...] = ("/usr/sbin/exportfs", "-ra")
    # Run once per auto_client as: <command> <client> <server-or-host>:<path> <path>.
    nfs_client_mount: tuple[str, ...] | None = None
    command_timeout: float = 30.0
    delete_data: bool = False

    @property
    def enabled(self) -> bool:
        return self.driver != "none"

    @classmethod
    def from_raw(cls, r: Raw) -> StorageSettings:
        driver = r.str("storage.driver", "none").lower() or "none"
        if driver not in STORAGE_DRIVERS:
            raise ConfigError(f"setting storage.driver must be one of {', '.join(STORAGE_DRIVERS)}")
        base = "storage.mkdir." if driver in ("none", "nfs") else f"storage.{driver}."
        root = r.optional(base + "root") or r.str("storage.mkdir.root", "/home")
        mount = r.optional("storage.nfs.client_mount_command")
        return cls(
            driver=driver,
            root=root,
            options=_octal(r, base + "options", r.str("storage.mkdir.options", "750")),
            skel=r.optional(base + "skel") or r.optional("storage.mkdir.skel"),
            lfs=argv(r, "storage.lustre.lfs", "/usr/bin/lfs"),
            lustre_default_quota_mb=r.int("storage.lustre.default_quota", 0, minimum=0),
            lustre_max_quota_mb=int(float(r.str("storage.lustre.max_quota", "10e6"))),
            lustre_timeout=r.duration("storage.lustre.timeout", 3),
            nfs_servers=r.words("storage.nfs.servers"),
            nfs_use_exports_d=r.bool("storage.nfs.use_exports_d", True),
            nfs_etc=r.str("storage.nfs.etc", "/etc"),
            nfs_default_options=r.str("storage.nfs.export.default_options", "rw,no_subtree_check"),
            nfs_auto_exports=_dict(r, "storage.nfs.export.auto_exports"),
            nfs_auto_mounts=_dict(r, "storage.nfs.export.auto_mounts"),
            nfs_auto_clients=r.words("storage.nfs.export.auto_clients"),
            exportfs=argv(r, "storage.nfs.exportfs", "/usr/sbin/exportfs -ra"),
            nfs_client_mount=argv(r, "storage.nfs.client_mount_command", mount) if mount else None,
            command_timeout=r.duration("storage.command_timeout", 30),
            delete_data=r.bool("storage.delete_data", False),
        )
