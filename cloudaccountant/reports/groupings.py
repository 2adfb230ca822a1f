"""What a report may be grouped by, per family, and the figures it shows (in users' units)."""

from __future__ import annotations

from dataclasses import dataclass

GB = 1024**3  # the controller sizes volumes in OpenStack's GB (2**30 bytes)

# grouping key -> column, per family; a key a family lacks is a 400 naming the ones it has.
_COMMON = {"user": "cloud_auth_userid", "controller": "cloud_controller_id"}
GROUPINGS: dict[str, dict[str, str]] = {
    "server_instance": {
        **_COMMON,
        "resource_type": "resource_type",
        "flavor": "flavor_id",
        "instance": "instance_id",
    },
    "storage": {**_COMMON, "resource_type": "resource_type", "volume": "volume_id"},
    "user_storage": {**_COMMON, "resource_type": "resource_type", "pool": "pool"},
    "job": {
        **_COMMON,
        "resource_type": "resource_type",
        "cluster": "cluster",
        "queue": "queue",
        "account": "account",
    },
}
ALL_GROUPINGS = frozenset(k for keys in GROUPINGS.values() for k in keys)


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    label: str


METRICS: dict[str, tuple[Metric, ...]] = {
    "server_instance": (Metric("server_hours", "h", "Server-hours"),),
    "storage": (Metric("gb_days", "GB-days", "GB-days"), Metric("peak_gb", "GB", "Peak GB")),
    "user_storage": (
        Metric("gb_days", "GB-days", "GB-days"),
        Metric("peak_gb", "GB", "Peak GB"),
    ),
    "job": (
        Metric("jobs", "jobs", "Jobs"),
        Metric("core_hours", "core-h", "Core-hours"),
        Metric("gpu_hours", "GPU-h", "GPU-hours"),
    ),
}

# URL spelling of each family (as the daily listings spell them).
FAMILY_PATHS = {
    "server-instance": "server_instance",
    "storage": "storage",
    "user-storage": "user_storage",
    "job": "job",
}
