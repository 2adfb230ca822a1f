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

from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.instances import lifecycle
from cloudcontroller.instances import models as m
from cloudcontroller.instances.configure import AnsibleConfigurator
from cloudcontroller.instances.readiness import vm_ready
from cloudcontroller.instances.snapshot import Snapshot
from cloudcontroller.openstack import errors
from common.db import READ_ONLY

log = logging.getLogger(__name__)
MAX_STEPS = 40  # per instance per cycle; every path settles or waits well before
LOAD_CHUNK = 500  # instances per query of load_many


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
        return self.load_many([instance_id]).get(instance_id)

    def load_many(self, ids: list[str]) -> dict[str, lifecycle.State]:
        """The instances among ``ids`` this worker's lease holds, with the system names of each
        one's owner and users: two queries for all, in a read-only transaction (on SQLite it
        need not queue for the write lock). A cycle loads all it claimed at once: most of them
        only wait, and one load each was most of a waiting cycle's work."""
        t = m.ServerInstance.__table__.c
        u = m.InstanceUser.__table__.c
        users = SystemUser.__table__.c
        owner_name = (
            select(users.system_name).where(users.cloudauth_id == t.cloudauth_id).scalar_subquery()
        )
        states: dict[str, lifecycle.State] = {}
        granted: dict[str, list[str]] = {}
        with self.session_factory() as db:
            run = db.connection(execution_options=READ_ONLY).execute
            for start in range(0, len(ids), LOAD_CHUNK):
                chunk = ids[start : start + LOAD_CHUNK]
                for *columns, owner in run(
                    select(*[t[c] for c in lifecycle.State.COLUMNS], owner_name).where(
                        t.id.in_(chunk), t.lease_owner == self.name
                    )
                ):
                    state = lifecycle.State(
                        **dict(zip(lifecycle.State.COLUMNS, columns, strict=True))
                    )
                    state.system_names = (owner,) if owner else ()
                    states[state.id] = state
                for instance_id, name in run(
                    select(u.instance_id, users.system_name)
                    .join(SystemUser.__table__, u.user_id == users.id)
                    .where(u.instance_id.in_(chunk))
                    .order_by(u.instance_id, users.system_name)
                ):
                    granted.setdefault(instance_id, []).append(name)
        for instance_id, names in granted.items():
            state = states.get(instance_id)
            if state is not None:
                owner = state.system_names
                state.system_names = owner + tuple(n for n in names if n not in owner)
        return states

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
                    m.close_power_interval(db, state.id, now)
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

    def drive(
        self,
        instance_id: str,
        snapshot: Snapshot,
        state: lifecycle.State | None = None,
        loaded_at: dt.datetime | None = None,
    ) -> str:
        """Step one instance until it waits or settles. ``state``: as the cycle loaded it at
        ``loaded_at`` (a user's change made since fails the first write, which re-reads); read
        again when half a lease has passed since, lest the lease have been lost meanwhile."""
        stale = loaded_at is not None and (
            (self.clock() - loaded_at).total_seconds() > self.s.worker_lease / 2
        )
        if stale:
            state = None
        outcome = lifecycle.WAIT
        for _ in range(MAX_STEPS):
            if state is None:
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
                state = None
                continue  # re-read: the user changed the desired state
            self.checkpoint(f"written:{state.status}:{state.phase}")
            if outcome != lifecycle.CONTINUE:
                return outcome
            state = None  # the next step reads the row again
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
                loaded_at, states = self.clock(), self.load_many(ids)
                futures = [
                    pool.submit(self.drive, i, snapshot, states.get(i), loaded_at) for i in ids
                ]
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
                    m.close_power_interval(db, instance_id, now)
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
