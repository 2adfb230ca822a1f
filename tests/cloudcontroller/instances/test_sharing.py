"""Two workers sharing the instances through row leases, at the same time (threads, each with
its own sessions and its own view of OpenStack calls): every instance is driven by one worker
at a time, and OpenStack ends with exactly one volume, server and floating IP per instance."""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import select

from cloudcontroller.instances import models as m
from cloudcontroller.instances.worker import Worker

CREATES = {
    "create_security_group": 0,
    "create_volume_from_image": 0,
    "boot_server": None,
    "allocate_floating_ip": 1,
}


class Recording:
    """The driver, recording who asked for each create and for which instance."""

    def __init__(self, inner, worker: str, log: list, lock: threading.Lock):
        self.inner, self.worker, self.log, self.lock = inner, worker, log, lock

    def __getattr__(self, name):
        fn = getattr(self.inner, name)
        if name not in CREATES:
            return fn

        def call(*args, **kw):
            where = CREATES[name]
            instance = args[0].scm_instance_uuid if where is None else args[where]
            with self.lock:
                self.log.append((self.worker, name, instance))
            return fn(*args, **kw)

        return call


def test_two_workers_share_the_instances_without_duplicates(make_stack, cloudauth):
    stack = make_stack(**{"worker.batch": "3", "worker.threads": "2"})
    who = cloudauth.user()
    stack.system_user(who)
    ids = [stack.create(who)["data"]["id"] for _ in range(8)]

    log: list = []
    lock = threading.Lock()
    r = stack.registry
    workers = [
        Worker(
            r["scm.settings"],
            r["scm.dbsession_factory"],
            Recording(r["scm.openstack"], name, log, lock),
            stack.clock,
            name=name,
        )
        for name in ("alpha", "beta")
    ]
    claimed = {w.name: set() for w in workers}
    start = threading.Barrier(2)
    errors: list = []

    def settled() -> bool:
        with stack.db() as db:
            return not db.scalars(
                select(m.ServerInstance.id).where(m.ServerInstance.pending.is_(True))
            ).first()

    def run(worker: Worker) -> None:
        original = worker.claim

        def claim():
            got = original()
            claimed[worker.name].update(got)
            return got

        worker.claim = claim
        start.wait()
        deadline = time.monotonic() + 60
        try:
            while not settled():
                assert time.monotonic() < deadline, "the workers never settled"
                worker.run_cycle()
                time.sleep(0.02)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not errors, errors

    for instance_id in ids:
        assert stack.get(who, instance_id)["status"] == "ACTIVE"
        found = stack.resources_of(instance_id)
        counts = {kind: len(items) for kind, items in found.items()}
        assert counts == {"servers": 1, "volumes": 1, "floating_ips": 1, "security_groups": 1}
    # Each create happened once per instance, by one worker.
    per_call = Counter((name, instance) for _, name, instance in log)
    assert set(per_call.values()) == {1}
    assert {instance for _, _, instance in log} == set(ids)
    by = {}
    for worker, _, instance in log:
        by.setdefault(instance, set()).add(worker)
    # A lease holds until the instance settles: one worker drove each instance, and both
    # workers took part.
    assert all(len(workers) == 1 for workers in by.values()), by
    assert claimed["alpha"] and claimed["beta"]
    assert not claimed["alpha"] & claimed["beta"]
    assert {w for ws in by.values() for w in ws} == {"alpha", "beta"}


def test_a_leased_instance_is_not_claimed_by_another_worker(stack, cloudauth, clock):
    who = cloudauth.user()
    stack.system_user(who)
    instance_id = stack.create(who)["data"]["id"]
    first, second = stack.worker(name="first"), stack.worker(name="second")
    assert first.claim() == [instance_id]
    assert second.claim() == []
    clock.advance(seconds=61)  # worker.lease = 60: the first worker is presumed dead
    assert second.claim() == [instance_id]
    assert first.load(instance_id) is None  # it lost the lease: its writes go nowhere
