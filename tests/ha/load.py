"""The HA tier's bounded load generator: client threads through HAProxy (logins and token checks,
portal pages, usage reads, VM creates, reads and power changes), a lease sampler that records
from the database which host's worker drove each instance, and a write probe straight through
HAProxy's Galera listener. Every loop stops on one event; every request has a timeout."""

from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict

import pymysql
import requests

# Requests that write to the database: the ones a lost Galera writer holds up.
WRITES = ("login", "create", "power")
MAX_INSTANCES = 8


class Tally:
    def __init__(self, t0: float):
        self.t0 = t0
        self.lock = threading.Lock()
        self.samples: list[tuple[float, float, bool, str]] = []  # (start, seconds, ok, kind)
        self.failures: list[str] = []
        self.created: list[str] = []
        self.tokens: list[tuple[str, str]] = []  # (token, userid) acknowledged by a login
        self.power: dict[str, list[str]] = defaultdict(list)  # instance: acknowledged changes
        self.drivers: dict[str, set[str]] = defaultdict(set)  # instance: workers seen leasing it
        self.probes: list[tuple[float, float, bool]] = []  # (start, seconds, ok)
        self.probe_ids: list[int] = []

    def call(self, session, kind: str, method: str, url: str, **kw):
        start = time.monotonic()
        try:
            response = session.request(method, url, timeout=30, **kw)
        except requests.RequestException as exc:
            response, why = None, type(exc).__name__
        ok = response is not None and response.status_code < 400
        with self.lock:
            self.samples.append((start - self.t0, time.monotonic() - start, ok, kind))
            if not ok:
                why = why if response is None else f"{response.status_code} {response.text[:200]}"
                self.failures.append(f"{kind} {method} {url} at {start - self.t0:.1f}s: {why}")
        return response if ok else None


def client(site, tally: Tally, stop: threading.Event, admin: dict, index: int) -> None:
    urls, s, n = site.urls, requests.Session(), 0
    headers = admin["headers"]
    while not stop.is_set():
        n += 1
        login = tally.call(
            s,
            "login",
            "POST",
            urls["cloudauth"] + "/auth/login",
            data={"username": "admin", "password": "Penguin"},
        )
        if login is not None:
            token = login.json()["authentication_token"]
            with tally.lock:
                tally.tokens.append((token, admin["userid"]))
            params = {"auth_token": token, "userid": admin["userid"]}
            tally.call(s, "verify", "GET", urls["cloudauth"] + "/auth/verify_token", params=params)
        tally.call(s, "portal", "GET", urls["cloudportal"] + "/login")
        usage = {"start_date": "2026-01-01", "end_date": "2026-01-02"}
        tally.call(
            s,
            "usage",
            "GET",
            urls["cloudaccountant"] + "/server-instance",
            params=usage,
            headers=headers,
        )
        instances = urls["cloudcontroller"] + "/server-instance"
        # A burst early (the simulator's public network has a dozen floating IPs).
        if len(tally.created) < MAX_INSTANCES and (index == 0 or (index == 1 and n % 3 == 1)):
            body = {"server-image": admin["image"], "server-flavor": "1"}
            made = tally.call(s, "create", "POST", instances, json=body, headers=headers)
            if made is not None:
                with tally.lock:
                    tally.created.append(made.json()["data"]["id"])
        if index in (1, 2) and tally.created:
            target = tally.created[n % len(tally.created)]
            if index == 2:  # the oldest instance not yet powered off and on again
                target = next((i for i in tally.created if len(tally.power[i]) < 2), target)
            read = tally.call(s, "read", "GET", f"{instances}/{target}", headers=headers)
            if index == 2 and read is not None:
                power_step(s, tally, f"{instances}/{target}", target, read.json()["data"], headers)


def power_step(s, tally: Tally, url: str, target: str, inst: dict, headers: dict) -> None:
    """Power each instance off once and on again, asking only what its status allows (a power
    on is refused until the instance is STOPPED): every refusal would be a failure."""
    done = tally.power[target]
    if inst["status"] == "ACTIVE" and not done:
        want = "off"
    elif inst["status"] == "STOPPED" and done == ["off"]:
        want = "on"
    else:
        return
    if tally.call(s, "power", "PUT", url, json={"power": want}, headers=headers) is not None:
        with tally.lock:
            done.append(want)


def lease_sampler(tally: Tally, port: int, stop: threading.Event) -> None:
    """Which worker holds each instance's lease, read from server_instances every 0.1 s on a
    Galera node that stays up. A worker's name is "<host>:<n>"."""
    conn = None
    while not stop.wait(0.1):
        try:
            if conn is None:
                conn = pymysql.connect(
                    host="127.0.0.1",
                    port=port,
                    user="root",
                    database="cloudcontroller",
                    autocommit=True,
                    connect_timeout=2,
                    read_timeout=5,
                )
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT id, lease_owner FROM server_instances WHERE lease_owner IS NOT NULL"
                )
                rows = cur.fetchall()
        except pymysql.MySQLError:
            conn = None
            continue
        with tally.lock:
            for instance, owner in rows:
                tally.drivers[instance].add(owner)
    if conn is not None:
        conn.close()


def write_probe(tally: Tally, port: int, stop: threading.Event) -> None:
    """An INSERT every 0.1 s on a fresh connection through HAProxy's Galera listener: when the
    writer dies, the first acknowledged insert after it is the database's takeover."""
    n = 0
    while not stop.wait(0.1):
        n += 1
        start = time.monotonic()
        ok = False
        try:
            conn = pymysql.connect(
                host="127.0.0.1",
                port=port,
                user="root",
                database="scm_probe",
                autocommit=True,
                connect_timeout=5,
                read_timeout=10,
                write_timeout=10,
            )
            try:
                with conn.cursor() as cur:
                    cur.execute("INSERT INTO probe (id) VALUES (%s)", (n,))
                ok = True
            finally:
                conn.close()
        except pymysql.MySQLError:
            pass
        with tally.lock:
            tally.probes.append((start - tally.t0, time.monotonic() - start, ok))
            if ok:
                tally.probe_ids.append(n)


def percentiles(samples) -> str:
    times = sorted(s[1] for s in samples)
    if not times:
        return "no requests"
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    p50 = statistics.median(times)
    return f"{len(times):5d} requests, p50 {p50 * 1000:5.0f} ms, p99 {p99 * 1000:5.0f} ms"


def takeover(samples, at: float, kinds=None) -> float | None:
    """Seconds from ``at`` to the end of the first successful request started at or after it
    (of ``kinds`` when given): when the survivors answered again."""
    ends = [
        s[0] + s[1] - at
        for s in samples
        if s[0] >= at and s[2] and (kinds is None or s[3] in kinds)
    ]
    return min(ends, default=None)
