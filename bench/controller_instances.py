"""Cloud Controller server-instances on the OpenStack simulator (issue 4's bench/ goals).

    .venv/bin/python bench/controller_instances.py          # default: ~2 minutes
    .venv/bin/python bench/controller_instances.py --full   # 1,000 in part 3; ~5 minutes

1. ``GET /server-instance`` for a user with 1,000 instances: p50/p95 (goal: p95 < 100 ms),
   next to the same request for a user with 10 (the baseline, same run). The request's own
   CPU time (the app runs in the calling thread) is printed too: it does not count the time
   other processes on a loaded machine take from it. The 1,000 are measured again after
   ``gc.freeze()`` (the objects alive after loading the app moved out of the collector's
   reach): the slow tail of the first run is mostly full garbage collections of those.
2. N concurrent creates (POSTs from 8 client threads, the worker running with its production
   settings) until every instance is ACTIVE, as a ratio to the simulator's own boot delay
   (the volume + build transitions it is told to take) and to one create measured alone in
   the same run (goal: at most 1.5x).
3. OpenStack calls per worker cycle at 10 and 300 instances (1,000 with --full; goal: the same
   count): the lookups the worker's CycleReport counts, and every driver call (a counting
   proxy) -- in a cycle where all of them wait for Nova to boot their servers, and in an idle
   cycle where all of them are ACTIVE. The creates before (3 calls per instance) are shown.

The controller runs in-process (WebTest, no HTTP hop to it); Cloud Auth and the simulator are
real servers on loopback. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Run as a script from the checkout: the repository's tests/ helpers must win over any
# installed package called "tests".
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import webtest
from sqlalchemy import func, select, update

from cloudcontroller import main as controller_main
from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.instances import models as m
from cloudcontroller.instances.worker import Worker
from common.cache import MemoryCache, PrefixedCache
from common.migrations import upgrade
from openstack_simulator import neutron, seed
from openstack_simulator.cli import open_store
from openstack_simulator.testing import SimulatorProcess
from tests.cloudcontroller.instances.simulator_admin import sim_cli
from tests.live import LiveCloudAuth


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Counting:
    """The driver, counting every call by name."""

    def __init__(self, inner):
        self.inner = inner
        self.counts: Counter = Counter()
        self.lock = threading.Lock()

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def call(*args, **kw):
            with self.lock:
                self.counts[name] += 1
            return attr(*args, **kw)

        return call

    def take(self) -> Counter:
        with self.lock:
            taken, self.counts = self.counts, Counter()
        return taken


class Bench:
    def __init__(self, args, workdir: Path):
        self.args = args
        self.workdir = workdir
        cache = PrefixedCache(MemoryCache(), "scm:")
        self.cloudauth = LiveCloudAuth(f"sqlite:///{workdir}/cloudauth.sqlite", cache)
        _, key, secret = self.cloudauth.service_account("cloudcontroller_admin")
        delays = {
            "build": args.boot_delay,
            "volume": args.volume_delay,
            "delete": 0.2,
            "reboot": 0.2,
        }
        self.sim = SimulatorProcess(workdir / "sim.sqlite", delays).start()
        self.delays = delays
        big = max(args.creates, max(args.cycle_sizes)) * 2 + 100
        self.sim.admin(
            "PUT", "/quotas/compute/scm", {"instances": big, "cores": big * 4, "ram": big * 4096}
        )
        self.sim.admin("PUT", "/quotas/volume/scm", {"volumes": big, "gigabytes": big * 100})
        sim_cli(
            self.sim,
            "pool",
            "create",
            "bench-public",
            "--cidr",
            "198.18.0.0/16",
            "--start",
            "198.18.0.10",
            "--end",
            "198.18.255.250",
        )
        # A private network with room for every port (the seeded one is a /24).
        store = open_store(self.sim.state)
        scm = next(p for p in store.all("project") if p["name"] == seed.SCM_PROJECT)
        network = neutron.create_network(store, "bench-private", scm["id"])
        neutron.create_subnet(store, network["id"], "10.128.0.0/16", "bench-private-subnet")
        db_url = f"sqlite:///{workdir}/cloudcontroller.sqlite"
        settings = {
            "sqlalchemy.url": db_url,
            "cloud_controller_id": "1",
            "cloudauth.url": self.cloudauth.url,
            "cloudauth.api_key": key,
            "cloudauth.api_secret": secret,
            "openstack.auth_url": self.sim.url + "/identity/v3",
            "openstack.username": "admin",
            "openstack.password": "admin-password",
            "openstack.project_name": "scm",
            "openstack.private_network_name": "bench-private",
            "openstack.floating_ip_pool_name": "bench-public",
            "openstack.autodelete_bootvol": "true",
            # The simulator's VMs answer no ssh and have nothing to configure.
            "virtualization.ready_check": "none",
            "virtualization.configure_vms": "false",
            "virtualization.boot_timeout": "3600",
        }
        self.app = controller_main({}, **settings)
        upgrade("cloudcontroller", self.app.registry["scm.db_engine"])
        self.app.registry["scm.cache"] = cache
        self.registry = self.app.registry
        self.sessions = self.registry["scm.dbsession_factory"]
        self.client = webtest.TestApp(self.app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        images = self.client.get("/server-image", headers=self.cloudauth.admin.headers)
        self.image = next(i["id"] for i in images.json["data"] if i["name"] == "CentOS-7-loginnode")

    def close(self) -> None:
        self.sim.stop()
        self.cloudauth.close()
        self.registry["scm.db_engine"].dispose()

    def user(self):
        who = self.cloudauth.user()
        with self.sessions() as db:
            db.add(SystemUser(cloudauth_id=who.userid, system_name=f"u{uuid.uuid4().hex[:8]}"))
            db.commit()
        return who

    def insert(self, who, count: int, **values) -> list[str]:
        """Rows as the API's create writes them (``values`` override), without the API."""
        now = utcnow()
        rows = []
        for i in range(count):
            instance_id = m.new_uuid()
            row = dict(
                id=instance_id,
                cloudauth_id=who.userid,
                image_id=self.image,
                flavor_id="1",
                hostname="vm" + instance_id[:7],
                desired=m.ON,
                status=m.BUILD,
                phase="",
                pending=True,
                generation=1,
                reboot_pending=False,
                created_at=now + dt.timedelta(microseconds=i),
                updated_at=now,
            )
            row.update(values)
            rows.append(row)
        with self.sessions() as db:
            db.execute(m.ServerInstance.__table__.insert(), rows)
            db.commit()
        return [r["id"] for r in rows]

    def statuses(self, ids: list[str]) -> Counter:
        t = m.ServerInstance.__table__.c
        found: Counter = Counter()
        with self.sessions() as db:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                found.update(
                    dict(
                        db.execute(
                            select(t.status, func.count()).where(t.id.in_(chunk)).group_by(t.status)
                        ).all()
                    )
                )
        return found

    def worker(self, openstack=None, name=None) -> Worker:
        r = self.registry
        return Worker(
            r["scm.settings"],
            r["scm.dbsession_factory"],
            openstack or r["scm.openstack"],
            utcnow,
            name=name,
        )

    # -- 1 ------------------------------------------------------------------------------------
    def list_latency(self) -> None:
        args = self.args
        print(f"\n1. GET /server-instance ({args.requests} requests each, after 5 warm-up)")
        results = {}
        runs = [(10, False), (args.list_size, False), (args.list_size, True)]
        for size, frozen in runs:
            who = self.user()
            grantee = self.user()
            with self.sessions() as db:
                grantee_id = db.scalar(
                    select(SystemUser.id).where(SystemUser.cloudauth_id == grantee.userid)
                )
            ids = self.insert(
                who,
                size,
                status=m.ACTIVE,
                pending=False,
                public_ip="198.18.1.1",
                private_ip="10.0.0.5",
                server_id="s",
                boot_volume_id="v",
            )
            with self.sessions() as db:  # every other instance shared with one user
                db.execute(
                    m.InstanceUser.__table__.insert(),
                    [
                        {"instance_id": i, "user_id": grantee_id, "can_power": True}
                        for i in ids[::2]
                    ],
                )
                db.commit()
            if frozen:  # what a server process can do once its app is loaded
                gc.collect()
                gc.freeze()
            timings, cpu = [], []
            for n in range(5 + args.requests):
                t, c = time.perf_counter(), time.thread_time()
                body = self.client.get("/server-instance", headers=who.headers).json
                if n >= 5:
                    timings.append((time.perf_counter() - t) * 1000)
                    cpu.append((time.thread_time() - c) * 1000)
            if frozen:
                gc.unfreeze()
            assert len(body["data"]) == size
            results[size, frozen] = timings
            print(
                f"   {size:>5} instances{' (gc.freeze)' if frozen else '            '}:"
                f" p50 {pct(timings, 50):6.1f} ms   p95 {pct(timings, 95):6.1f} ms"
                f"   (CPU: p50 {pct(cpu, 50):.1f} ms, p95 {pct(cpu, 95):.1f} ms)"
            )
        small = results[10, False]
        for frozen in (False, True):
            large = results[args.list_size, frozen]
            print(
                f"   p95 at {args.list_size}{' (gc.freeze)' if frozen else ''} / p95 at 10:"
                f" {pct(large, 95) / pct(small, 95):.1f}x;"
                f" goal p95 < 100 ms: {'met' if pct(large, 95) < 100 else 'NOT met'}"
            )
        with self.sessions() as db:  # out of the way of the worker's scans below
            db.execute(
                update(m.ServerInstance)
                .where(m.ServerInstance.server_id == "s")
                .values(status=m.DELETED, desired=m.GONE, server_id=None, deleted_at=utcnow())
            )
            db.commit()

    # -- 2 ------------------------------------------------------------------------------------
    def wait_active(self, ids: list[str], deadline: float) -> float:
        started = time.monotonic()
        while True:
            found = self.statuses(ids)
            if found.get(m.ACTIVE, 0) == len(ids):
                return time.monotonic() - started
            if set(found) - {m.BUILD, m.BOOT, m.STARTING, m.CONFIGURING, m.ACTIVE}:
                raise RuntimeError(f"instances failed: {dict(found)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ACTIVE in time: {dict(found)}")
            time.sleep(0.1)

    def post(self, client, who) -> str:
        body = {"server-image": self.image, "server-flavor": "1"}
        return client.post_json("/server-instance", body, headers=who.headers).json["data"]["id"]

    def concurrent_creates(self) -> None:
        args = self.args
        boot = self.delays["volume"] + self.delays["build"]
        print(
            f"\n2. {args.creates} concurrent creates to ACTIVE (simulator: volume"
            f" {self.delays['volume']:g} s + build {self.delays['build']:g} s = {boot:g} s;"
            " worker.interval 2 s, 8 threads)"
        )
        stop = threading.Event()
        runner = threading.Thread(target=self.worker(name="bench-worker").run, args=(stop,))
        runner.start()
        try:
            who = self.user()
            t = time.monotonic()
            one = self.post(self.client, who)
            self.wait_active([one], time.monotonic() + boot * 5 + 60)
            alone = time.monotonic() - t
            print(
                f"   one create alone:       {alone:6.1f} s  ({alone / boot:.2f}x the boot delay)"
            )

            clients = [
                webtest.TestApp(self.app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
                for _ in range(8)
            ]
            t = time.monotonic()
            with ThreadPoolExecutor(8) as pool:
                futures = [pool.submit(self.post, clients[i % 8], who) for i in range(args.creates)]
                ids = [f.result() for f in futures]
            posted = time.monotonic() - t
            self.wait_active(ids, time.monotonic() + boot * 10 + 600)
            elapsed = time.monotonic() - t
            print(f"   {args.creates} POSTs answered in: {posted:6.1f} s")
            print(
                f"   {args.creates} creates to ACTIVE: {elapsed:6.1f} s"
                f"  = {elapsed / boot:.2f}x the boot delay, {elapsed / alone:.2f}x one alone"
                f"  (goal <= 1.5x: {'met' if elapsed / boot <= 1.5 else 'NOT met'})"
            )
        finally:
            stop.set()
            runner.join(60)

    # -- 3 ------------------------------------------------------------------------------------
    def calls_per_cycle(self) -> None:
        args = self.args
        print("\n3. OpenStack calls per worker cycle (lookups the CycleReport counts / all calls)")
        self.sim.admin("PUT", "/delays", {"build": 3600})  # servers stay in BUILD meanwhile
        rows = {}
        try:
            for size in args.cycle_sizes:
                who = self.user()
                counting = Counting(self.registry["scm.openstack"])
                worker = self.worker(counting, name=f"calls-{size}")
                ids = self.insert(who, size)
                t = time.monotonic()
                create_cycles = 0
                while self.statuses(ids).get(m.BOOT, 0) < size:
                    worker.run_cycle()
                    create_cycles += 1
                    if time.monotonic() - t > 1800:
                        raise RuntimeError("the creates never reached BOOT")
                creating = counting.take()
                waiting = worker.run_cycle()
                waiting_all = counting.take()
                rows[size] = {
                    "create": (create_cycles, creating, time.monotonic() - t),
                    "waiting": (waiting, waiting_all),
                    "ids": ids,
                    "worker": worker,
                    "counting": counting,
                }
        finally:
            self.sim.admin("PUT", "/delays", {"build": self.delays["build"]})
        for size, row in rows.items():
            creating_cycles, creating, seconds = row["create"]
            waiting, waiting_all = row["waiting"]
            print(
                f"   {size:>5} instances, creating ({creating_cycles} cycles, {seconds:.1f} s):"
                f" {sum(creating.values())} calls = {sum(creating.values()) / size:.1f} per"
                f" instance ({', '.join(f'{k} {v}' for k, v in sorted(creating.items()))})"
            )
            print(
                f"   {size:>5} instances, all waiting for Nova: claimed {waiting.claimed},"
                f" {waiting.openstack_calls} lookups / {sum(waiting_all.values())} calls"
                f" ({', '.join(f'{k} {v}' for k, v in sorted(waiting_all.items()))})"
            )
        idle = {}
        t = m.ServerInstance.__table__.c
        for size, row in rows.items():
            # Settled as ACTIVE (their servers still building in the simulator: the reconcile
            # pass only needs them listed); an idle cycle claims nothing.
            with self.sessions() as db:
                db.execute(
                    update(m.ServerInstance.__table__)
                    .where(t.id.in_(row["ids"]))
                    .values(status=m.ACTIVE, phase="", pending=False, lease_owner=None)
                )
                db.commit()
            worker, counting = row["worker"], row["counting"]
            counting.take()
            report = worker.run_cycle()
            calls = counting.take()
            idle[size] = (report, calls)
            print(
                f"   {size:>5} instances, all ACTIVE (idle cycle): claimed {report.claimed},"
                f" {report.openstack_calls} lookups / {sum(calls.values())} calls"
                f" ({', '.join(f'{k} {v}' for k, v in sorted(calls.items()))})"
            )
        lo, hi = min(rows), max(rows)
        same_wait = rows[lo]["waiting"][1] == rows[hi]["waiting"][1]
        same_idle = idle[lo][1] == idle[hi][1]
        print(
            f"   {lo} vs {hi}: waiting cycle {'the same' if same_wait else 'DIFFERENT'},"
            f" idle cycle {'the same' if same_idle else 'DIFFERENT'}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="--boot-delay 60 --cycle-sizes 10,1000")
    parser.add_argument("--list-size", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--creates", type=int, default=200)
    parser.add_argument("--boot-delay", type=float, default=30.0, help="simulator build delay")
    parser.add_argument("--volume-delay", type=float, default=5.0)
    parser.add_argument(
        "--cycle-sizes", default="10,300", help="instance counts for the calls per cycle"
    )
    parser.add_argument("--skip", default="", help="parts to skip, e.g. 2,3")
    args = parser.parse_args()
    if args.full:
        args.boot_delay, args.cycle_sizes = 60.0, "10,1000"
    args.cycle_sizes = sorted(int(n) for n in args.cycle_sizes.split(","))
    skip = set(args.skip.split(","))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="scm-bench-cc-") as tmp:
        bench = Bench(args, Path(tmp))
        try:
            print(f"set up in {time.monotonic() - started:.1f} s (simulator, Cloud Auth, SQLite)")
            if "1" not in skip:
                bench.list_latency()
            if "2" not in skip:
                bench.concurrent_creates()
            if "3" not in skip:
                bench.calls_per_cycle()
        finally:
            bench.close()
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
