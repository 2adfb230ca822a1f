"""Cloud Auth throughput and latency under concurrent load on loopback (see bench/README.md)."""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse

from waitress.server import create_server

# Run as a script from the checkout: the repository's tests/ helpers must win over any
# installed package called "tests".
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DEMO_KEY = "ZGVtby1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q="


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def db_url(args, workdir: str, name: str) -> str:
    """SQLite under ``workdir``, or a fresh database on the MySQL server of ``--mysql-url``."""
    if not args.mysql_url:
        return f"sqlite:///{workdir}/{name}.sqlite"
    import sqlalchemy as sa

    server = sa.create_engine(args.mysql_url)
    database = f"scm_bench_{name}"
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
        conn.exec_driver_sql(
            f"CREATE DATABASE {database} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        )
    server.dispose()
    url = sa.engine.make_url(args.mysql_url).set(database=database, query={"charset": "utf8mb4"})
    return url.render_as_string(hide_password=False)


def start_cloudauth_apache(
    db_url: str, cache_ttl: str, threads: int, processes: int, embedded: bool = False
):
    """The production shape: Apache + mod_wsgi, several processes sharing Redis."""
    import uuid

    from common.db import make_engine
    from common.migrations import upgrade
    from tests.integration.apache import start_cloudauth_under_apache

    engine = make_engine({"sqlalchemy.url": db_url})
    upgrade("cloudauth", engine)
    engine.dispose()
    if db_url.startswith("sqlite:///"):
        folder = os.path.dirname(db_url[len("sqlite:///") :])
        os.chmod(folder, 0o777)  # noqa: S103  the workers run as www-data
        for name in os.listdir(folder):
            os.chmod(os.path.join(folder, name), 0o666)  # noqa: S103
    app = start_cloudauth_under_apache(
        {
            "sqlalchemy.url": db_url,
            "cache.url": os.environ.get("SCM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
            "cache.prefix": f"bench:{uuid.uuid4().hex}:",
            "apikey.encryption_keys": DEMO_KEY,
            "login_allowed.hosts": "127.0.0.1",
            "token.cache_ttl": cache_ttl,
            "login.max_failures_per_address": "1000000",
        },
        processes=processes,
        threads=threads,
        embedded=embedded,
    )
    port = int(app.url.rsplit(":", 1)[1])
    return app, port


def wrk(port: int, path: str, seconds: float, connections: int):
    """wrk's figures for one URL, when Debian's wrk is installed (a C load generator)."""
    import re
    import shutil
    import subprocess

    if not shutil.which("wrk"):
        return None
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{int(seconds)}s",
            "--latency",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    ).stdout

    def ms(label):
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": ms("50"),
        "p99": ms("99"),
        "n": int(float(rps.group(1)) * seconds) if rps else 0,
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def start_cloudauth(db_url: str, cache_ttl: str, threads: int):
    from cloudauth import main
    from common.migrations import upgrade

    app = main(
        {},
        **{
            "sqlalchemy.url": db_url,
            "cache.url": f"memory://bench-{cache_ttl}",
            "apikey.encryption_keys": DEMO_KEY,
            "login_allowed.hosts": "127.0.0.1",
            "token.cache_ttl": cache_ttl,
            "login.max_failures_per_address": "1000000",
        },
    )
    upgrade("cloudauth", app.registry["scm.db_engine"])
    port = free_port()
    server = create_server(
        app, asyncore_use_poll=True, host="127.0.0.1", port=port, threads=threads, backlog=1024
    )
    threading.Thread(target=server.run, daemon=True).start()
    return server, port


def _worker(port, paths, seconds, concurrency, out):
    """One process: ``concurrency`` threads, each with a keep-alive connection."""
    latencies, errors = [], 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop(my_paths):
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, i = [], 0
        while time.perf_counter() < deadline and i < len(my_paths):
            method, path, headers = my_paths[i]
            i += 1
            start = time.perf_counter()
            try:
                conn.request(method, path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append(time.perf_counter() - start)
            if not ok:
                with lock:
                    errors += 1
        with lock:
            latencies.extend(mine)

    chunk = max(1, len(paths) // concurrency)
    threads = [
        threading.Thread(target=loop, args=(paths[k * chunk : (k + 1) * chunk],))
        for k in range(concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((latencies, errors))


def load(port, paths_for, seconds, processes, concurrency):
    queue = mp.Queue()
    started = time.perf_counter()
    procs = [
        mp.Process(target=_worker, args=(port, paths_for(p), seconds, concurrency, queue))
        for p in range(processes)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    if not latencies:
        return {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "n": 0, "errors": errors}
    return {
        "rps": len(latencies) / min(elapsed, seconds + 0.5),
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "n": len(latencies),
        "errors": errors,
    }


def login(port):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    body = urllib.parse.urlencode({"username": "admin", "password": "Penguin"})
    conn.request("POST", "/auth/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    import json

    data = json.loads(conn.getresponse().read())
    return data["authentication_token"], data["data"]["userid"]


def api_key(port, token, userid):
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request(
        "POST",
        f"/api_key/create/{userid}",
        "",
        {"X-Auth-Token": token, "X-Auth-Cloudauth-Id": userid},
    )
    data = json.loads(conn.getresponse().read())["data"]
    return data["api_key"], data["api_secret"]


def signed_paths(port, key, secret, count, seed):
    import oauth2

    consumer = oauth2.Consumer(key, secret)
    url = f"http://127.0.0.1:{port}/auth/request_token"
    out = []
    for i in range(count):
        req = oauth2.Request.from_consumer_and_token(
            consumer,
            http_method="GET",
            http_url=url,
            parameters={"oauth_nonce": f"{seed}-{i}-{os.urandom(4).hex()}"},
        )
        req.sign_request(oauth2.SignatureMethod_HMAC_SHA1(), consumer, None)
        out.append(("GET", "/auth/request_token", req.to_header()))
    return out


def show(name, r):
    print(
        f"{name:42s} {r['rps']:8.0f} req/s   p50 {r['p50']:6.2f} ms   p99 {r['p99']:6.2f} ms"
        f"   ({r['n']} requests, {r['errors']} errors)",
        flush=True,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8, help="connections per process")
    parser.add_argument("--server-threads", type=int, default=8)
    parser.add_argument(
        "--server",
        choices=("waitress", "apache"),
        default="waitress",
        help="waitress (the demo launcher) or Apache + mod_wsgi with Redis (production)",
    )
    parser.add_argument("--server-processes", type=int, default=2, help="Apache only")
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="Apache only: mod_wsgi embedded mode (the app in Apache's workers; no daemon hop)",
    )
    parser.add_argument(
        "--mysql-url", help="bench on MariaDB/MySQL (e.g. mysql+pymysql://root@127.0.0.1:3306/)"
    )
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="scm-bench-")
    database = "MariaDB" if args.mysql_url else "SQLite"
    if args.server == "apache":
        servers = [
            start_cloudauth_apache(
                db_url(args, workdir, name),
                ttl,
                args.server_threads,
                args.server_processes,
                embedded=args.embedded,
            )
            for name, ttl in (("cached", "60s"), ("uncached", "0"))
        ]
        stops = [server.stop for server, _ in servers]
        where = (
            f"Apache + mod_wsgi {'embedded' if args.embedded else 'daemon'} mode "
            f"({args.server_processes} processes x {args.server_threads} threads), Redis with "
            "local copies of token checks"
        )
    else:
        servers = [
            start_cloudauth(db_url(args, workdir, name), ttl, args.server_threads)
            for name, ttl in (("cached", "60s"), ("uncached", "0"))
        ]
        stops = [server.close for server, _ in servers]
        where = f"waitress ({args.server_threads} threads), in-process cache"
    print(
        f"Cloud Auth on {where}, {database}; load: {args.processes} processes x "
        f"{args.concurrency} keep-alive connections, {args.seconds:g}s each\n"
    )
    try:
        measure(args, cached_port=servers[0][1], uncached_port=servers[1][1])
    finally:
        for stop in stops:
            stop()
    return 0


def measure(args, cached_port: int, uncached_port: int) -> None:
    """verify_token cached and uncached (wrk too, when installed), then request_token."""
    results = {}
    for name, port in (
        ("verify_token (cached)", cached_port),
        ("verify_token (uncached)", uncached_port),
    ):
        token, userid = login(port)
        path = "/auth/verify_token?" + urllib.parse.urlencode(
            {"auth_token": token, "userid": userid}
        )
        # Warm up first: every server process loads, connects and copies before the clock runs.
        load(port, lambda p, path=path: [("GET", path, {})] * 10_000_000, 2, 2, 8)
        connections = args.processes * args.concurrency
        if "uncached" not in name and connections >= 4:
            # Closed-loop latency grows with the connections kept busy: half as many too.
            half = wrk(port, path, args.seconds, connections // 2)
            if half is not None:
                show(f"{name} [wrk, {connections // 2} conn]", half)
        figures = wrk(port, path, args.seconds, connections)
        if figures is not None:
            show(f"{name} [wrk, {connections} conn]", figures)
        results[name] = load(
            port,
            lambda p, path=path: [("GET", path, {})] * 10_000_000,
            args.seconds,
            args.processes,
            args.concurrency,
        )
        show(f"{name} [python]", results[name])
        if figures is not None:
            results[name] = figures  # the C load generator steals less CPU from the server
    token, userid = login(cached_port)
    key, secret = api_key(cached_port, token, userid)
    budget = int(3000 * args.seconds) // args.processes + 1
    results["request_token"] = load(
        cached_port,
        lambda p: signed_paths(cached_port, key, secret, budget, p),
        args.seconds,
        args.processes,
        args.concurrency,
    )
    show("request_token (OAuth HMAC-SHA1) [python]", results["request_token"])
    ratio = results["verify_token (cached)"]["rps"] / max(
        results["verify_token (uncached)"]["rps"], 1e-9
    )
    print(f"\nratio cached/uncached verify_token throughput: {ratio:.2f}x")
    print("goal: cached verify_token >= 3000 req/s with p99 < 10 ms on this 2-core machine")


if __name__ == "__main__":
    sys.exit(main())
