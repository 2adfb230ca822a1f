"""Server-instances (seed 1.9.1), the users allowed on each, and power intervals.

A server-instance row is the persisted state machine of DESIGN.md: SCM's own UUID, the desired
power state, the status the API shows, the OpenStack ids it owns (each written before the next
step begins), the worker's lease and a generation that every user change bumps. ``power_intervals``
is part of the contract the accountant reads (docs/controller-usage-tables.md).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cloudcontroller.meta import TABLE_ARGS, Base, utcnow

# Statuses the API shows (API.md).
BUILD = "BUILD"
BOOT = "BOOT"
CONFIGURING = "CONFIGURING"
ACTIVE = "ACTIVE"
STOPPING = "STOPPING"
STOPPED = "STOPPED"
STARTING = "STARTING"
REBOOTING = "REBOOTING"
DELETING = "DELETING"
DELETED = "DELETED"
ERROR = "ERROR"
FAILED = "FAILED"

# Desired power states.
ON = "on"
OFF = "off"
GONE = "deleted"


def new_uuid() -> str:
    return uuid.uuid4().hex


class ServerInstance(Base):
    __tablename__ = "server_instances"
    __table_args__ = (
        Index("ix_server_instances_pending_lease", "pending", "lease_until"),
        TABLE_ARGS,
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uuid)
    cloudauth_id: Mapped[str] = mapped_column(String(32), index=True)
    image_id: Mapped[str] = mapped_column(String(64))
    flavor_id: Mapped[str] = mapped_column(String(64))
    hostname: Mapped[str] = mapped_column(String(64))
    desired: Mapped[str] = mapped_column(String(16), default=ON)
    status: Mapped[str] = mapped_column(String(16), default=BUILD)
    # What the worker does inside a status ("volume", "boot", "address", "ready", "configure",
    # "reboot", "teardown"), and when it began: the boot/reboot/ready timeouts count from here.
    phase: Mapped[str] = mapped_column(String(16), default="")
    phase_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status_reason: Mapped[str | None] = mapped_column(String(1024))
    reboot_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # The user list changed during a reboot: configure the VM again when it is back.
    reconfigure_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # OpenStack resources this instance owns.
    boot_volume_id: Mapped[str | None] = mapped_column(String(64))
    server_id: Mapped[str | None] = mapped_column(String(64))
    floating_ip_id: Mapped[str | None] = mapped_column(String(64))
    security_group_id: Mapped[str | None] = mapped_column(String(64))
    public_ip: Mapped[str | None] = mapped_column(String(64))
    private_ip: Mapped[str | None] = mapped_column(String(64))
    # The worker's bookkeeping.
    pending: Mapped[bool] = mapped_column(Boolean, default=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    users: Mapped[list[InstanceUser]] = relationship(
        back_populates="instance",
        cascade="all, delete-orphan",
        order_by="InstanceUser.id",
        lazy="selectin",
    )


class InstanceUser(Base):
    """A controller user allowed on a VM, with the portal's two permissions (seed 1.8)."""

    __tablename__ = "server_instance_users"
    __table_args__ = (UniqueConstraint("instance_id", "user_id"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("server_instances.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(32), index=True)  # system_users.id
    can_power: Mapped[bool] = mapped_column(Boolean, default=False)
    can_delete: Mapped[bool] = mapped_column(Boolean, default=False)

    instance: Mapped[ServerInstance] = relationship(back_populates="users")


class PowerInterval(Base):
    """One span a server-instance was powered on and available: the accountant's server-hours."""

    __tablename__ = "power_intervals"
    __table_args__ = (TABLE_ARGS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(32), index=True)
    cloudauth_id: Mapped[str] = mapped_column(String(32), index=True)
    flavor_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


def close_power_interval(db, instance_id: str, now: dt.datetime) -> None:
    """End the instance's open power interval at ``now`` (none open: nothing to do). The
    accountant bills server-hours from these spans (docs/controller-usage-tables.md): every
    power-off, delete and failure closes it here, the one way."""
    table = PowerInterval.__table__
    db.execute(
        update(table)
        .where(table.c.instance_id == instance_id, table.c.ended_at.is_(None))
        .values(ended_at=now)
    )


class ControllerLock(Base):
    """A row a create locks (``SELECT ... FOR UPDATE``) while it checks a shared resource and
    inserts what the check allowed: ``gpu`` for the free-GPU check."""

    __tablename__ = "controller_locks"
    __table_args__ = (TABLE_ARGS,)

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
