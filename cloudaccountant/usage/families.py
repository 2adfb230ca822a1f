"""Resource families and resource types (seed 1.10.1), as data.

Each family has one daily summary metric; each resource type belongs to one family. The migration
seeds the same rows into ``resource_families`` and ``resource_types``; the daily tables refer to a
type by name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    name: str
    metric: str
    description: str


@dataclass(frozen=True)
class ResourceType:
    name: str
    family: str
    description: str


FAMILIES = (
    Family("storage", "bytes", "Bytes allocated: the day's maximum per storage volume"),
    Family("user_storage", "bytes", "Bytes used: the day's maximum per user and pool"),
    Family("server_instance", "seconds", "Time a server-instance was powered on and available"),
    Family("job", "core_seconds", "Cores allocated times wall-clock time of scheduler jobs"),
)

TYPES = (
    ResourceType("storage", "storage", "A user's $HOME storage volume"),
    ResourceType("user_storage", "user_storage", "A user's files in a shared storage pool"),
    ResourceType("server_instance", "server_instance", "A virtual machine"),
    ResourceType("slurm", "job", "Slurm Workload Manager"),
    ResourceType("pbs", "job", "PBS / Torque"),
    ResourceType("sge", "job", "Sun Grid Engine"),
    ResourceType("uge", "job", "Univa Grid Engine"),
)

JOB_TYPES = tuple(t.name for t in TYPES if t.family == "job")
