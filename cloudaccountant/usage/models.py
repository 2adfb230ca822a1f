"""The accountant's tables: daily rows per family, and itemised scheduler jobs.

Daily rows are keyed (their primary key, in API sort order) by date / cloud_controller_id /
cloud_auth_userid / resource type / the family's own fields. ``cloud_auth_userid`` is ``""`` for
usage whose system user maps to no Cloud Auth user; the system name is kept beside it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cloudaccountant.meta import Base

USERID = String(32)
TYPE_FK = "resource_types.name"


class ResourceFamilyRow(Base):
    __tablename__ = "resource_families"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    metric: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(255))


class ResourceTypeRow(Base):
    __tablename__ = "resource_types"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    family: Mapped[str] = mapped_column(ForeignKey("resource_families.name"))
    description: Mapped[str] = mapped_column(String(255))


class StorageDaily(Base):
    __tablename__ = "storage_daily"
    __table_args__ = (Index("ix_storage_daily_user_date", "cloud_auth_userid", "date"),)

    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    cloud_controller_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cloud_auth_userid: Mapped[str] = mapped_column(USERID, primary_key=True)
    resource_type: Mapped[str] = mapped_column(ForeignKey(TYPE_FK), primary_key=True)
    volume_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bytes: Mapped[int] = mapped_column(BigInteger)


class UserStorageDaily(Base):
    __tablename__ = "user_storage_daily"
    __table_args__ = (Index("ix_user_storage_daily_user_date", "cloud_auth_userid", "date"),)

    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    cloud_controller_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cloud_auth_userid: Mapped[str] = mapped_column(USERID, primary_key=True)
    resource_type: Mapped[str] = mapped_column(ForeignKey(TYPE_FK), primary_key=True)
    pool: Mapped[str] = mapped_column(String(255), primary_key=True)
    system_username: Mapped[str] = mapped_column(String(64), primary_key=True)
    bytes: Mapped[int] = mapped_column(BigInteger)


class ServerInstanceDaily(Base):
    __tablename__ = "server_instance_daily"
    __table_args__ = (Index("ix_server_instance_daily_user_date", "cloud_auth_userid", "date"),)

    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    cloud_controller_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cloud_auth_userid: Mapped[str] = mapped_column(USERID, primary_key=True)
    resource_type: Mapped[str] = mapped_column(ForeignKey(TYPE_FK), primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    flavor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer)


class JobDaily(Base):
    __tablename__ = "job_daily"
    __table_args__ = (Index("ix_job_daily_user_date", "cloud_auth_userid", "date"),)

    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    cloud_controller_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cloud_auth_userid: Mapped[str] = mapped_column(USERID, primary_key=True)
    resource_type: Mapped[str] = mapped_column(ForeignKey(TYPE_FK), primary_key=True)
    cluster: Mapped[str] = mapped_column(String(64), primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    system_username: Mapped[str] = mapped_column(String(64), primary_key=True)
    jobs: Mapped[int] = mapped_column(Integer)
    core_seconds: Mapped[int] = mapped_column(BigInteger)


class Job(Base):
    """One run of a scheduler job (an array task counts as a job; steps do not).

    Unique on cluster, job id, array index and submit time (plus start: SGE, UGE and PBS keep
    the submit time when they rerun a job, so each run stays a row of its own).
    """

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint(
            "cloud_controller_id",
            "resource_type",
            "cluster",
            "job_id",
            "array_index",
            "submitted_at",
            "started_at",
            name="uq_jobs_run",
        ),
        # Every index on ended_at is written in no order on import: as few as the readers
        # need (migration 0002). Day ranges: the importer's and the API's; started_at lets the
        # importer tell jobs that crossed midnight without reading the rows.
        Index("ix_jobs_ended_started", "ended_at", "started_at"),
        # One user's jobs by end time (the API); the rest makes it cover a job report's reads
        # (migration 0004).
        Index(
            "ix_jobs_user_ended",
            "cloud_auth_userid",
            "ended_at",
            "started_at",
            "cores",
            "gpus",
            "core_seconds",
            "cloud_controller_id",
        ),
        # The foreign key's (InnoDB needs one); filled in insertion order.
        Index("ix_jobs_resource_type", "resource_type"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    cloud_controller_id: Mapped[int] = mapped_column(Integer)
    resource_type: Mapped[str] = mapped_column(ForeignKey(TYPE_FK))
    cluster: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str] = mapped_column(String(64))
    array_index: Mapped[int] = mapped_column(Integer)  # -1: not an array task
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime] = mapped_column(DateTime)
    system_username: Mapped[str] = mapped_column(String(64))
    cloud_auth_userid: Mapped[str] = mapped_column(USERID)
    account: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    cores: Mapped[int] = mapped_column(Integer)
    nodes: Mapped[int] = mapped_column(Integer)
    gpus: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(32))
    core_seconds: Mapped[int] = mapped_column(BigInteger)


DAILY_TABLES = {
    "storage": StorageDaily,
    "user_storage": UserStorageDaily,
    "server_instance": ServerInstanceDaily,
    "job": JobDaily,
}


class JobExtent(Base):
    """The longest job (end - start, in seconds) each scheduler source has written.

    Bounds the importer's read of jobs that ended after a range but ran into it: they ended
    before the range's end plus this, so an old day is rebuilt from an index range, not from
    every later job (migration 0005). Written in the transaction of each batch of jobs; it only
    grows, so it is never smaller than a stored job's length.
    """

    __tablename__ = "job_extents"

    resource_type: Mapped[str] = mapped_column(ForeignKey(TYPE_FK), primary_key=True)
    cloud_controller_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    longest_seconds: Mapped[int] = mapped_column(BigInteger)
