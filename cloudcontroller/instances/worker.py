"""The worker (``cloudcontroller-worker``): drives every instance toward its desired state.

A cycle: claim pending instances through row leases (a conditional UPDATE: several workers on
several hosts share the work, on SQLite, MySQL and Galera alike); take one snapshot of OpenStack
(one ``list_servers``); run lifecycle steps for each claimed instance, writing each step's
result before the next (the write is guarded by the lease, and by the generation for status
fields, so a user's change made meanwhile is never overwritten); now and then, report
OpenStack resources marked as SCM's that no instance owns.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select, update

from cloudcontroller.instances import lifecycle
from cloudcontroller.instances import models as m
from cloudcontroller.instances.configure import AnsibleConfigurator
from cloudcontroller.instances.readiness import vm_ready
from cloudcontroller.instances.snapshot import Snapshot
from cloudcontroller.openstack import errors
from cloudcontroller.users.models import SystemUser
from common.db import READ_ONLY

log = logging.getLogger(__name__)
MAX_STEPS = 40  # per instance per cycle; every path settles or waits well before


class WorkerKilled(BaseException):
    """Raised by a test's checkpoint to stop the worker dead, as SIGKILL would."""


@dataclass
class CycleReport:
    claimed: int = 0
    settled: int = 0
    openstack_calls: int = 0
    orphans: dict = field(default_factory=dict)


class Worker:
    def __init__(
        self,
        settings,
        session_factory,
        openstack,
        clock: Callable[[], dt.datetime],
        name: str | None = None,
        configurator=None,
        probe=vm_ready,
        checkpoint: Callable[[str], None] = lambda name: None,
    ):
        self.settings = settings
        self.s = settings.instances
        self.session_factory = session_factory
        self.openstack = openstack
        self.clock = clock
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.configurator = configurator or AnsibleConfigurator(self.s)
        self.probe = probe
        self.checkpoint = checkpoint
        self.last_orphan_scan: dt.datetime | None = None
        self.orphans: dict = {}

    # -- leases -------------------------------------------------------------------------------
    def _lease_free(self, now):
        t = m.ServerInstance.__table__.c
        return or_(t.lease_owner.is_(None), t.lease_until < now, t.lease_owner == self.name)

    def claim(self) -> list[str]:
        now = self.clock()
        t = m.ServerInstance.__table__.c
        until = now + dt.timedelta(seconds=self.s.worker_lease)
        with self.session_factory() as db, db.begin():
            ids = list(
                db.scalars(
                    select(t.id)
                    .where(t.pending.is_(True), self._lease_free(now))
                    .order_by(t.updated_at)
                    .limit(self.s.worker_batch)
                )
            )
            if not ids:
                return []
            db.execute(
                update(m.ServerInstance.__table__)
                .where(t.id.in_(ids), t.pending.is_(True), self._lease_free(now))
                .values(lease_owner=self.name, lease_until=until)
            )
            return list(db.scalars(select(t.id).where(t.id.in_(ids), t.lease_owner == self.name)))

    # -- one instance -------------------------------------------------------------------------
    def load(self, instance_id: str) -> lifecycle.State | None:
        # Read-only: on SQLite, loads need not queue for the write lock behind writes.
        t = m.ServerInstance.__table__.c
        with self.session_factory() as db:
            db.connection(execution_options=READ_ONLY)
            row = db.execute(
                select(*[t[c] for c in lifecycle.State.COLUMNS]).where(
                    t.id == instance_id, t.lease_owner == self.name
                )
            ).first()
            if row is None:
                return None
            state = lifecycle.State(**row._mapping)
            owner = db.scalar(
                select(SystemUser.system_name).where(SystemUser.cloudauth_id == state.cloudauth_id)
            )
            granted = db.scalars(
                select(SystemUser.system_name)
                .join(m.InstanceUser, m.InstanceUser.user_id == SystemUser.id)
                .where(m.InstanceUser.instance_id == instance_id)
                .order_by(SystemUser.system_name)
            )
            names = ([owner] if owner else []) + [n for n in granted if n != owner]
            state.system_names = tuple(names)
            return state

    def write(self, before: dict, state: lifecycle.State, outcome: str) -> bool:
        """Write the step's result; False when the user changed the instance meanwhile (only
        the OpenStack ids were written then) or the lease is lost."""
        changes = {k: v for k, v in state.columns().items() if before[k] != v}
        if outcome == lifecycle.WAIT and not (
            changes or state.open_interval or state.close_interval or state.deleted
        ):
            # Nothing to write: this cycle's claim renewed the lease, and a change the user
            # makes meanwhile keeps the instance pending for the next cycle. (Writing anyway
            # was one SQLite commit per waiting instance per cycle, every worker thread
            # queueing for the write lock.)
            return True
        now = self.clock()
        t = m.ServerInstance.__table__.c
        lease = and_(t.id == state.id, t.lease_owner == self.name)
        values = dict(changes, lease_until=now + dt.timedelta(seconds=self.s.worker_lease))
        if changes:
            values["updated_at"] = now
        if state.deleted:
            values["deleted_at"] = now
        if outcome == lifecycle.SETTLED:
            values.update(pending=False, lease_owner=None, lease_until=None)
        table = m.ServerInstance.__table__
        with self.session_factory() as db, db.begin():
            done = db.execute(
                update(table).where(lease, t.generation == before["generation"]).values(**values)
            ).rowcount
            if done:
                intervals = m.PowerInterval.__table__
                if state.close_interval:
                    db.execute(
                        update(intervals)
                        .where(intervals.c.instance_id == state.id, intervals.c.ended_at.is_(None))
                        .values(ended_at=now)
                    )
                still_open = db.scalar(
                    select(intervals.c.id).where(
                        intervals.c.instance_id == state.id, intervals.c.ended_at.is_(None)
                    )
                )
                if state.open_interval and still_open is None:
                    db.execute(
                        intervals.insert().values(
                            instance_id=state.id,
                            cloudauth_id=state.cloudauth_id,
                            flavor_id=state.flavor_id,
                            started_at=now,
                        )
                    )
                return True
            owned = {k: v for k, v in changes.items() if k in lifecycle.State.RESOURCES}
            if owned:
                db.execute(update(table).where(lease).values(**owned))
        return False

    def drive(self, instance_id: str, snapshot: Snapshot) -> str:
        outcome = lifecycle.WAIT
        for _ in range(MAX_STEPS):
            state = self.load(instance_id)
            if state is None:
                return "lost"
            before = state.columns()
            ctx = lifecycle.Context(
                settings=self.settings,
                openstack=self.openstack,
                snapshot=snapshot,
                now=self.clock(),
                probe=self.probe,
                configurator=self.configurator,
                checkpoint=self.checkpoint,
            )
            try:
                outcome = lifecycle.step(state, ctx)
            except errors.OpenStackError as exc:
                log.warning("instance %s: OpenStack: %s; retrying next cycle", instance_id, exc)
                return lifecycle.WAIT
            for note in ctx.notes:
                log.info("instance %s: %s", instance_id, note)
            if not self.write(before, state, outcome):
                continue  # re-read: the user changed the desired state
            self.checkpoint(f"written:{state.status}:{state.phase}")
            if outcome != lifecycle.CONTINUE:
                return outcome
        return outcome

    # -- the cycle ----------------------------------------------------------------------------
    def run_cycle(self) -> CycleReport:
        report = CycleReport()
        ids = self.claim()
        report.claimed = len(ids)
        snapshot = Snapshot(self.openstack)
        if ids:
            threads = min(self.s.worker_threads, len(ids))
            with ThreadPoolExecutor(threads, thread_name_prefix="scm-worker") as pool:
                futures = [pool.submit(self.drive, i, snapshot) for i in ids]
                killed = None
                for future in futures:
                    try:
                        if future.result() == lifecycle.SETTLED:
                            report.settled += 1
                    except WorkerKilled as exc:
                        killed = exc
                    except Exception:
                        log.exception("worker step failed")
                if killed is not None:
                    raise killed
        self.reconcile(snapshot)
        report.orphans = self.scan_orphans(snapshot)
        report.openstack_calls = snapshot.calls
        return report

    def reconcile(self, snapshot: Snapshot) -> None:
        """An ACTIVE instance whose server vanished or failed outside SCM becomes ERROR."""
        t = m.ServerInstance.__table__.c
        with self.session_factory() as db:
            db.connection(execution_options=READ_ONLY)
            rows = db.execute(
                select(t.id, t.server_id).where(t.status == m.ACTIVE, t.pending.is_(False))
            ).all()
        broken = {}
        for instance_id, server_id in rows:
            server = snapshot.server(server_id)
            if server is None:
                broken[instance_id] = (server_id, "the server vanished from OpenStack")
            elif server.status in ("ERROR", "SHUTOFF"):
                broken[instance_id] = (server_id, f"the server is {server.status} in OpenStack")
        if not broken:
            return
        now = self.clock()
        with self.session_factory() as db, db.begin():
            for instance_id, (server_id, reason) in broken.items():
                if server_id and not snapshot.server_gone(server_id):
                    continue
                done = db.execute(
                    update(m.ServerInstance.__table__)
                    .where(t.id == instance_id, t.status == m.ACTIVE, t.pending.is_(False))
                    .values(status=m.ERROR, status_reason=reason, updated_at=now)
                ).rowcount
                if done:
                    intervals = m.PowerInterval.__table__
                    db.execute(
                        update(intervals)
                        .where(
                            intervals.c.instance_id == instance_id, intervals.c.ended_at.is_(None)
                        )
                        .values(ended_at=now)
                    )
                    log.warning("instance %s: %s", instance_id, reason)

    def scan_orphans(self, snapshot: Snapshot, force: bool = False) -> dict:
        """OpenStack resources marked as SCM's that no instance owns: reported, never deleted
        (an operator decides)."""
        now = self.clock()
        interval = dt.timedelta(seconds=self.s.orphan_scan_interval)
        if not force and self.last_orphan_scan and now - self.last_orphan_scan < interval:
            return self.orphans
        self.last_orphan_scan = now
        resources = snapshot._call(self.openstack.list_scm_resources)
        t = m.ServerInstance.__table__.c
        with self.session_factory() as db:
            db.connection(execution_options=READ_ONLY)
            rows = db.execute(
                select(t.id, t.boot_volume_id, t.server_id, t.floating_ip_id, t.security_group_id)
            ).all()
        live = {r.id for r in rows}
        owned = {v for r in rows for v in r[1:] if v}
        found = {
            "servers": [
                s.id
                for s in resources.servers
                if s.id not in owned and s.scm_instance_uuid not in live
            ],
            "volumes": [
                v.id
                for v in resources.volumes
                if v.id not in owned and v.scm_instance_uuid not in live
            ],
            "floating_ips": [
                f.id
                for f in resources.floating_ips
                if f.id not in owned and f.scm_instance_uuid not in live
            ],
            "security_groups": [
                g.id
                for g in resources.security_groups
                if g.id not in owned and g.scm_instance_uuid not in live
            ],
        }
        self.orphans = {k: v for k, v in found.items() if v}
        if self.orphans:
            log.warning(
                "OpenStack resources marked as SCM's that no instance owns: %s", self.orphans
            )
        return self.orphans

    def run(self, stop: threading.Event) -> None:
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                report = self.run_cycle()
            except WorkerKilled:
                raise
            except Exception:
                log.exception("worker cycle failed; retrying")
                report = CycleReport()
            # Instances in progress are polled briskly; an idle worker waits the full interval.
            stop.wait(
                min(0.5, self.s.worker_interval) if report.claimed else self.s.worker_interval
            )
        log.info("worker %s stopped", self.name)


def run_worker(registry, stop: threading.Event, name: str | None = None) -> None:
    """Run a worker until ``stop`` is set: for the demo launcher's thread and the console
    script. ``registry`` is the controller app's (``scm.settings``, ``scm.dbsession_factory``,
    ``scm.openstack``, ``scm.clock``)."""
    Worker(
        registry["scm.settings"],
        registry["scm.dbsession_factory"],
        registry["scm.openstack"],
        registry.get("scm.clock") or (lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None)),
        name=name,
    ).run(stop)
