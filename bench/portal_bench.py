"""Cloud Portal: the login-nodes page (issue 11's bench goals).

    .venv/bin/python bench/portal_bench.py [--nodes 100] [--sessions 50] [--requests 200]
        [--think 5] [--browse-seconds 60] [--portal-threads 8]

A user with ``--nodes`` login nodes spread over two cloud controllers, a live Cloud Auth, one
OpenStack simulator, and the portal, every one a real HTTP server on loopback. Processes, as in
production where each app runs under its own WSGI server: the **portal in its own process**
(waitress, ``--portal-threads``), **each controller in its own process** (waitress, 8 threads),
Cloud Auth in this process (after the first page it is asked nothing: the controllers keep its
token checks), the simulator in its own, the load generator in its own. The controllers'
workers (their own processes in production) are stopped once every node is ACTIVE, so that
their cycles over 100 nodes do not share the controllers' interpreters while measuring.

The page comes in two forms: ``GET /nodes``, what the menu opens (the 20 newest live nodes per
controller, one paged call to each), and ``GET /nodes?show=all``, every node (its "Show all"
link; one unpaged call to each). Both are measured; the goals are read against each.

1. Backend calls per page: every backend app is wrapped in a counting WSGI middleware (counted at
   the backends, not by asking the portal); each page with no nodes and with all of them, per
   service. Goal: the same counts.
2. p50/p95 of each page for one session alone, beside the raw API ``GET /server-instance`` for
   the same user, in the same run, measured in turns of 10 requests so that a change of the
   machine's load reaches all alike. The user's nodes live on two controllers, so the raw API
   lists them with one ``GET /server-instance`` to each: **the baseline is both calls made at
   once** (the fastest any API client gets the same user's nodes; one after the other is
   printed too). Goal: each page at most 2x the baseline. Beside it, for comparison with earlier
   runs (no goal): one controller's call alone (its half of the nodes), and the portal's
   ``GET /help`` (a page with no backend call: the portal's own cost of a request).
3. ``--sessions`` concurrent sessions, each its own login (the same user: the page's data is the
   same, so the figures compare with 2.), in two models:
   a. **browsing** (what the goal means: 50 signed-in people using the portal): each session
      loads ``GET /nodes``, then "reads" it for an exponentially distributed think time of mean
      ``--think`` seconds, for ``--browse-seconds``; start times are spread over one think time.
      Goal: p95 under 150 ms.
   b. **saturation**: a closed loop without think time (every session asks again as soon as its
      page arrives): the pages/s the system can serve, and the latency of a 50-deep queue.
      No goal; reported so that nobody reads a saturation p95 as a browsing one.

Figures and ratios, never assertions. Everything shares the 2-core machine with the load
generator: the figures include that cost.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import requests

PASSWORD = "long enough pw"  # noqa: S105 (tests.live's users)


COUNTS_PATH = "/_bench/calls"
PAGES = ("/nodes", "/nodes?show=all")
PAGE_SIZE = 20  # the portal's nodes.page_size (its default), set below


class Counting:
    """WSGI middleware: requests per service, counted where they arrive. In a backend's own
    process, ``GET /_bench/calls`` answers its counts (and resets them with ``?reset=1``)."""

    counts: Counter = Counter()
    lock = threading.Lock()

    def __init__(self, app, name: str):
        self.app, self.name = app, name

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == COUNTS_PATH:
            with self.lock:
                body = json.dumps(dict(self.counts)).encode()
                if "reset=1" in environ.get("QUERY_STRING", ""):
                    self.counts.clear()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        with self.lock:
            self.counts[self.name] += 1
        return self.app(environ, start_response)


def serve(app, name: str):
    from waitress.server import create_server

    server = create_server(
        Counting(app, name),
        host="127.0.0.1",
        port=0,
        threads=8,
        connection_limit=10_000,
        asyncore_use_poll=True,
    )
    threading.Thread(target=server.run, daemon=True).start()
    return server


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def ms(pair: tuple[float, float]) -> str:
    return f"p50 {pair[0] * 1e3:6.1f}  p95 {pair[1] * 1e3:6.1f}"


def portal_session(url: str, login: str) -> requests.Session:
    session = requests.Session()
    page = session.get(url + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(
        url + "/login",
        data={"csrf_token": token, "login": login, "password": PASSWORD, "next": ""},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]
    return session


def timed_gets(session: requests.Session, url: str, n: int, **kw) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        response = session.get(url, timeout=60, **kw)
        out.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return out


def client_main(spec: dict) -> None:
    """The load generator (a child process): one thread per session. ``think`` 0: a closed loop
    of ``requests`` pages per session, all started together (saturation); otherwise each session
    loads the page, waits an exponential think time, again, for ``seconds``."""
    import random

    sessions = [portal_session(spec["portal"], spec["login"]) for _ in range(spec["sessions"])]
    url, think = spec["portal"] + "/nodes", spec["think"]
    barrier = threading.Barrier(len(sessions))

    def saturate(session):
        barrier.wait()
        return timed_gets(session, url, spec["requests"])

    def browse(session):
        rng = random.Random()
        barrier.wait()
        end = time.perf_counter() + spec["seconds"]
        time.sleep(rng.uniform(0, think))  # people do not all arrive at once
        samples = []
        while time.perf_counter() < end:
            samples += timed_gets(session, url, 1)
            time.sleep(rng.expovariate(1 / think))
        return samples

    started = time.perf_counter()
    with ThreadPoolExecutor(len(sessions)) as pool:
        results = pool.map(browse if think else saturate, sessions)
        samples = [s for result in results for s in result]
    print(json.dumps({"samples": samples, "seconds": time.perf_counter() - started}))


def portal_main_process(spec: dict) -> None:
    """The portal alone in this process, as under its own WSGI server in production."""
    from waitress.server import create_server

    from cloudportal import main as portal_main

    server = create_server(
        portal_main({}, **spec["settings"]),
        asyncore_use_poll=True,
        host="127.0.0.1",
        port=0,
        threads=spec["threads"],
        connection_limit=10_000,
    )
    print(server.effective_port, flush=True)
    server.run()


def controller_main_process(spec: dict) -> None:
    """One controller alone in this process, with its worker as a thread until a line ``stop``
    arrives on stdin (the bench stops the workers before it measures)."""
    from waitress.server import create_server

    from cloudcontroller import main as controller_main
    from cloudcontroller.instances.worker import run_worker
    from common.migrations import upgrade
    from tests import live

    app = controller_main({}, **spec["settings"])
    upgrade("cloudcontroller", app.registry["scm.db_engine"])
    app.registry["scm.cache"] = live.shared_cache()
    server = create_server(
        Counting(app, spec["name"]),
        asyncore_use_poll=True,
        host="127.0.0.1",
        port=0,
        threads=8,
        connection_limit=10_000,
    )
    stop = threading.Event()
    threading.Thread(
        target=run_worker, args=(app.registry, stop, spec["name"]), daemon=True
    ).start()
    threading.Thread(target=server.run, daemon=True).start()
    print(server.effective_port, flush=True)
    for line in sys.stdin:
        if line.strip() == "stop":
            stop.set()


def start_child(mode: str, spec: dict) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, mode, json.dumps(spec)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    port = int(proc.stdout.readline().strip())
    return proc, f"http://127.0.0.1:{port}"


def start_portal(settings: dict, threads: int) -> tuple[subprocess.Popen, str]:
    spec = json.dumps({"settings": settings, "threads": threads})
    proc = subprocess.Popen(
        [sys.executable, __file__, "--portal", spec],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    port = int(proc.stdout.readline().strip())
    return proc, f"http://127.0.0.1:{port}"


def start_system(tmp: Path, nodes: int, portal_threads: int):
    from common.db import make_engine
    from common.migrations import upgrade
    from openstack_simulator.testing import SimulatorProcess
    from tests import live
    from tests.cloudcontroller.accounts.helpers import make_root

    cache = live.shared_cache()
    auth = live.LiveCloudAuth(f"sqlite:///{tmp}/cloudauth.sqlite", cache)
    auth.server.application = Counting(auth.server.application, "cloudauth")
    sim = SimulatorProcess(tmp / "sim.sqlite").__enter__()
    big = nodes * 2 + 100  # the simulator's default quotas stop at 50 instances
    sim.admin("PUT", "/quotas/compute/scm", {"instances": big, "cores": big * 4, "ram": big * 4096})
    sim.admin("PUT", "/quotas/volume/scm", {"volumes": big, "gigabytes": big * 100})
    controllers, children = {}, []
    for cc in ("1", "2"):
        _, key, secret = auth.service_account("cloudcontroller_admin")
        auth.post("/cloud_controller/create", auth.admin, id=cc, name=f"cc{cc}")
        settings = {
            "sqlalchemy.url": f"sqlite:///{tmp}/cc{cc}.sqlite",
            "cloud_controller_id": cc,
            "cloudauth.url": auth.url,
            "cloudauth.api_key": key,
            "cloudauth.api_secret": secret,
            "openstack.auth_url": sim.url + "/identity/v3",
            "openstack.username": "admin",
            "openstack.password": "admin-password",
            "openstack.project_name": "scm",
            "openstack.verify": "false",
            "openstack.private_network_name": "scm-private",
            "openstack.floating_ip_pool_name": "public",
            "virtualization.ready_check": "none",
            # The simulator's floating-IP pool holds fewer addresses than the nodes.
            "virtualization.auto_assign_public_ip": "false",
            "virtualization.configure_vms": "false",
            "users.driver": "local",
            "users.root": str(make_root(tmp / f"cc{cc}-root")),
            "storage.driver": "none",
            "worker.interval": "0.2",
        }
        proc, url = start_child("--controller", {"name": f"controller {cc}", "settings": settings})
        children.append(proc)
        controllers[cc] = url
    portal_db = f"sqlite:///{tmp}/portal.sqlite"
    engine = make_engine({"sqlalchemy.url": portal_db})
    upgrade("cloudportal", engine)
    engine.dispose()
    settings = {
        "sqlalchemy.url": portal_db,
        "cloudauth.url": auth.url,
        "backend.timeout": "60",
        "scm.storage_mgmt": "false",
        "scm.ssh_key_mgmt": "true",
        "session.url": "memory://bench",  # in the portal's own process
        "session.cookie_secure": "false",
        "site.url": "http://127.0.0.1",  # links in mails (the bench sends none)
        "nodes.page_size": str(PAGE_SIZE),
    }
    for cc, url in controllers.items():
        settings[f"cloudcon.{cc}.name"] = f"Penguin {'West' if cc == '1' else 'East'}"
        settings[f"cloudcon.{cc}.api_endpoint"] = url.removeprefix("http://")
        settings[f"cloudcon.{cc}.api_ssl"] = "false"
    portal, portal_url = start_portal(settings, portal_threads)
    return auth, sim, children, controllers, portal, portal_url


def fill(auth, controllers: dict, nodes: int):
    """The user, a system account on each controller, ``nodes`` ACTIVE nodes split between them."""
    who = auth.user()
    for cc, url in controllers.items():
        r = requests.post(
            url + "/user", json={"system-name": f"bench{cc}"}, headers=who.headers, timeout=60
        )
        assert r.status_code == 201, r.text
    return who


def create_nodes(who, controllers: dict, nodes: int) -> None:
    urls = list(controllers.values())
    flavor = requests.get(urls[0] + "/server-flavor", headers=who.headers, timeout=60).json()[
        "data"
    ][0]["id"]
    image = requests.get(urls[0] + "/server-image", headers=who.headers, timeout=60).json()["data"][
        0
    ]["id"]
    for i in range(nodes):
        r = requests.post(
            urls[i % 2] + "/server-instance",
            json={"server-flavor": flavor, "server-image": image},
            headers=who.headers,
            timeout=60,
        )
        assert r.status_code in (200, 201, 202), r.text
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        states = Counter(
            i["status"]
            for url in urls
            for i in requests.get(url + "/server-instance", headers=who.headers, timeout=60).json()[
                "data"
            ]
        )
        if states.get("ACTIVE") == nodes:
            return
        time.sleep(2)
    raise SystemExit(f"nodes never all ACTIVE: {states}")


def calls_per_page(session, portal: str, controllers: dict, path: str = "/nodes") -> dict:
    """Backend calls of one page, with the user's VM types and images already in the portal's
    cache (kept 60 s: a user's first page costs two more calls per controller): Cloud Auth's
    counted here, each controller's in its own process."""
    assert session.get(portal + path, timeout=60).status_code == 200
    for url in controllers.values():
        requests.get(url + COUNTS_PATH, params={"reset": "1"}, timeout=10)
    Counting.counts.clear()
    assert session.get(portal + path, timeout=60).status_code == 200
    counts = dict(Counting.counts)
    for url in controllers.values():
        counts.update(requests.get(url + COUNTS_PATH, timeout=10).json())
    return counts


def loaded(portal: str, login: str, sessions: int, think: float, seconds: float, requests: int):
    spec = {
        "portal": portal,
        "login": login,
        "sessions": sessions,
        "think": think,
        "seconds": seconds,
        "requests": requests,
    }
    out = subprocess.run(
        [sys.executable, __file__, "--client", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return percentiles(result["samples"]), len(result["samples"]), result["seconds"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200, help="alone; 4 per session saturated")
    parser.add_argument("--think", type=float, default=5.0, help="mean think time, browsing (s)")
    parser.add_argument("--browse-seconds", type=float, default=60.0)
    parser.add_argument("--portal-threads", type=int, default=8)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--portal", help=argparse.SUPPRESS)
    parser.add_argument("--controller", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        client_main(json.loads(args.client))
        return 0
    if args.portal:
        portal_main_process(json.loads(args.portal))
        return 0
    if args.controller:
        controller_main_process(json.loads(args.controller))
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    auth, sim, children, controllers, portal_proc, portal = start_system(
        tmp, args.nodes, args.portal_threads
    )
    try:
        who = fill(auth, controllers, args.nodes)
        session = portal_session(portal, who.email)
        empty = {p: calls_per_page(session, portal, controllers, p) for p in PAGES}
        t = time.monotonic()
        create_nodes(who, controllers, args.nodes)
        print(f"{args.nodes} nodes ACTIVE over 2 controllers in {time.monotonic() - t:.0f} s")
        for child in children:  # the workers: their own processes in production (docstring)
            child.stdin.write("stop\n")
            child.stdin.flush()
        full = {p: calls_per_page(session, portal, controllers, p) for p in PAGES}
        print("backend calls per page (counted at each backend):")
        for path in PAGES:
            for name in sorted(set(empty[path]) | set(full[path])):
                before, after = empty[path].get(name, 0), full[path].get(name, 0)
                counts = f"0 nodes: {before:3d}   {args.nodes} nodes: {after:3d}"
                print(f"  {path:15s} {name:14s} {counts}")

        raw = requests.Session()
        cc1 = controllers["1"] + "/server-instance"
        for path in PAGES:
            timed_gets(session, portal + path, 10)  # warm-up
        timed_gets(raw, cc1, 10, headers=who.headers)
        raw2, pair_pool = requests.Session(), ThreadPoolExecutor(2)
        cc2 = controllers["2"] + "/server-instance"
        timed_gets(raw2, cc2, 10, headers=who.headers)
        samples = {path: [] for path in (*PAGES, "/help")}
        api_samples, both_samples, seq_samples = [], [], []

        def both_at_once() -> float:
            start = time.perf_counter()
            calls = [
                pair_pool.submit(s.get, u, headers=who.headers, timeout=60)
                for s, u in ((raw, cc1), (raw2, cc2))
            ]
            assert all(c.result().status_code == 200 for c in calls)
            return time.perf_counter() - start

        def one_after_the_other() -> float:
            start = time.perf_counter()
            for s, u in ((raw, cc1), (raw2, cc2)):
                assert s.get(u, headers=who.headers, timeout=60).status_code == 200
            return time.perf_counter() - start

        for _ in range(max(1, args.requests // 10)):
            for path in samples:
                samples[path] += timed_gets(session, portal + path, 10)
            api_samples += timed_gets(raw, cc1, 10, headers=who.headers)
            both_samples += [both_at_once() for _ in range(10)]
            seq_samples += [one_after_the_other() for _ in range(10)]
        api, both = percentiles(api_samples), percentiles(both_samples)
        seq = percentiles(seq_samples)
        half = args.nodes // 2 + args.nodes % 2
        shown = min(PAGE_SIZE, half)
        print(f"alone ({len(api_samples)} requests each, in turns of 10), ms:")
        print(f"  raw API, the user's {args.nodes} nodes: GET /server-instance of both controllers")
        print(f"    at once (the baseline): {ms(both)}")
        print(f"    one after the other:    {ms(seq)}")
        print(f"  raw API, one controller alone ({half} nodes, no goal): {ms(api)}")
        for path, what in (
            ("/nodes", f"{2 * shown} of {args.nodes} nodes: the {shown} newest per controller"),
            ("/nodes?show=all", f"all {args.nodes} nodes"),
        ):
            page = percentiles(samples[path])
            print(f"  portal GET {path} ({what}): {ms(page)}")
            print(
                f"    x the baseline: p50 {page[0] / both[0]:.2f}x  p95 {page[1] / both[1]:.2f}x"
                "   (goal: at most 2x)"
            )
            alone = f"p50 {page[0] / api[0]:.2f}x  p95 {page[1] / api[1]:.2f}x"
            print(f"    x one controller alone: {alone}")
        pair = percentiles(samples["/help"])
        ratios = f"{pair[0] / both[0]:.2f}x / {pair[1] / both[1]:.2f}x"
        print(f"  portal GET /help, no backend call: {ms(pair)}   ({ratios} the baseline)")
        print(f"  load average (1 min) at the end: {os.getloadavg()[0]:.2f}")

        pair, n, seconds = loaded(
            portal, who.email, args.sessions, args.think, args.browse_seconds, 0
        )
        print(
            f"{args.sessions} sessions browsing (think time mean {args.think:g} s, "
            f"{seconds:.0f} s, {n} pages, {n / seconds:.1f} pages/s), ms:"
        )
        print(f"  portal GET /nodes: {ms(pair)}   (goal p95 < 150)")
        pair, n, seconds = loaded(portal, who.email, args.sessions, 0, 0, 4)
        print(
            f"{args.sessions} sessions saturating (closed loop, no think time, {n} pages, "
            f"{n / seconds:.1f} pages/s = the capacity), ms:"
        )
        print(f"  portal GET /nodes: {ms(pair)}   (a queue {args.sessions} deep; no goal)")
    finally:
        for proc in (*children, portal_proc):
            proc.terminate()
            proc.wait(10)
        sim.__exit__(None, None, None)
        auth.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
