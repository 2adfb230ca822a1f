"""Prove it (issue 14): a mixed load through HAProxy for a fixed time while one SCM host (its
Apache and its worker) is killed with -9 and brought back, and the Galera node HAProxy sends the
writes to is killed with -9. No client request fails, every acknowledged write is there
afterwards, workers on both hosts drove instances (read from the database during the load), and
on the simulator's own APIs every instance ends with exactly one server, volume and floating IP,
none stuck and nothing leaked. Prints the figures."""

from __future__ import annotations

import threading
import time
import uuid

import pymysql
import pytest
import requests

from tests.ha.cloud import scm_resources
from tests.ha.load import (
    WRITES,
    Tally,
    client,
    lease_sampler,
    percentiles,
    takeover,
    write_probe,
)

pytestmark = pytest.mark.ha

LOAD_SECONDS = 45
EVENTS = [(8, "kill host 2"), (14, "revive host 2"), (26, "kill the Galera writer")]
AFTER_LAST = 15  # seconds of load after the last event
SETTLE_SECONDS = 90


def sql(port: int, statement: str, args=(), database: str | None = None):
    conn = pymysql.connect(
        host="127.0.0.1", port=port, user="root", database=database, autocommit=True
    )
    try:
        with conn.cursor() as cur:
            cur.execute(statement, args)
            return cur.fetchall()
    finally:
        conn.close()


def instances(site, headers) -> dict[str, dict]:
    url = site.urls["cloudcontroller"] + "/server-instance"
    listed = requests.get(url, headers=headers, timeout=30)
    assert listed.status_code == 200, listed.text
    return {i["id"]: i for i in listed.json()["data"]}


def wait_for(site, headers, ids, wanted: dict[str, str]) -> dict[str, dict]:
    """Poll until each instance in ``ids`` has its wanted status (bounded)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        mine = {k: v for k, v in instances(site, headers).items() if k in ids}
        done = len(mine) == len(ids) and all(mine[i]["status"] == wanted[i] for i in mine)
        if done or time.monotonic() > deadline:
            return mine
        time.sleep(1)


def print_figures(tally: Tally, marks, load_seconds: float) -> dict[str, float | None]:
    """The issue's figures; returns each event's first acknowledged write after it."""
    ok = sum(1 for s in tally.samples if s[2])
    print(
        f"\nha: {load_seconds:.0f} s of load: {len(tally.samples)} requests, {ok} answered, "
        f"{len(tally.failures)} failures"
    )
    kinds = sorted({s[3] for s in tally.samples})
    by_kind = ", ".join(f"{k} {sum(s[3] == k for s in tally.samples)}" for k in kinds)
    print(f"ha: by kind: {by_kind}")
    bounds = [0.0] + [m[0] for m in marks] + [load_seconds + 60]
    names = ["before"] + [f"after {m[1]}" for m in marks]
    for name, lo, hi in zip(names, bounds, bounds[1:], strict=False):
        window = [s for s in tally.samples if lo <= s[0] < hi]
        print(f"ha: {name:30s} {percentiles(window)}")
    probes = [(p[0], p[1], p[2], "probe") for p in tally.probes]
    fmt = lambda v: "none" if v is None else f"{v:.2f} s"  # noqa: E731
    found = {}
    for at, what in marks:
        first = takeover(tally.samples, at)
        found[what] = first_write = takeover(tally.samples, at, WRITES)
        slowest = max((s[1] for s in tally.samples if at <= s[0] < at + 10), default=0)
        print(
            f"ha: {what} at {at:.1f} s: first answer after it {fmt(first)}, first acknowledged "
            f"write {fmt(first_write)}, first database probe insert {fmt(takeover(probes, at))}; "
            f"slowest request started in the next 10 s {slowest:.2f} s"
        )
    return found


def test_the_site_survives_a_host_and_the_galera_writer(ha_site):
    site = ha_site
    auth = site.urls["cloudauth"]
    login = requests.post(
        auth + "/auth/login", data={"username": "admin", "password": "Penguin"}, timeout=30
    ).json()
    headers = {
        "X-Auth-Token": login["authentication_token"],
        "X-Auth-Cloudauth-Id": login["data"]["userid"],
    }
    # The node HAProxy sends the apps' connections to (the others are its backups).
    galera_port = site.ports["galera"]
    writer_name = sql(galera_port, "SELECT @@wsrep_node_name")[0][0]
    writer = next(n for n in site.galera.nodes if f"node{n.index}" == writer_name)
    survivor = next(n for n in site.galera.nodes if n is not writer)
    # The admin's system account on the controller (the users driver is not under test here).
    sql(
        galera_port,
        "INSERT INTO system_users (id, cloudauth_id, system_name, created_at) "
        "VALUES (%s, %s, %s, UTC_TIMESTAMP())",
        (uuid.uuid4().hex, login["data"]["userid"], "scmadmin"),
        "cloudcontroller",
    )
    sql(galera_port, "CREATE DATABASE scm_probe")
    sql(galera_port, "CREATE TABLE scm_probe.probe (id INT PRIMARY KEY)")
    images = requests.get(
        site.urls["cloudcontroller"] + "/server-image", headers=headers, timeout=30
    ).json()["data"]
    image = next(i["id"] for i in images if i["name"] == "CentOS-7-loginnode")
    admin = {"userid": login["data"]["userid"], "headers": headers, "image": image}

    t0 = time.monotonic()
    tally, stop = Tally(t0), threading.Event()
    threads = [
        threading.Thread(target=client, args=(site, tally, stop, admin, i)) for i in range(3)
    ]
    threads.append(threading.Thread(target=lease_sampler, args=(tally, survivor.port, stop)))
    threads.append(threading.Thread(target=write_probe, args=(tally, galera_port, stop)))
    for thread in threads:
        thread.start()
    marks: list[tuple[float, str]] = []

    def revive() -> None:  # Apache's start takes seconds under load: the schedule goes on
        site.revive_host(1)
        marks.append((time.monotonic() - t0, "host 2 back"))

    reviver = threading.Thread(target=revive)
    try:
        for at, what in EVENTS:
            time.sleep(max(0.0, at - (time.monotonic() - t0)))
            marks.append((time.monotonic() - t0, what))
            if what == "kill host 2":
                site.kill_host(1)
            elif what == "revive host 2":
                reviver.start()
            else:
                site.galera.kill9(writer)
        end = max(LOAD_SECONDS, max(m[0] for m in marks) + AFTER_LAST)
        time.sleep(max(0.0, end - (time.monotonic() - t0)))
    finally:
        stop.set()
        for thread in [*threads, reviver]:
            if thread.ident is not None:
                thread.join(timeout=90)
    marks.sort()
    load_seconds = time.monotonic() - t0
    assert not any(thread.is_alive() for thread in [*threads, reviver])
    assert sorted(m[1] for m in marks) == sorted([*(e[1] for e in EVENTS), "host 2 back"])
    takeovers = print_figures(tally, marks, load_seconds)
    assert tally.failures == [], tally.failures[:20]
    now = sql(galera_port, "SELECT @@wsrep_node_name")[0][0]
    print(f"ha: HAProxy's Galera writer was {writer_name}, killed; writes now go to {now}")
    assert now != writer_name
    # The survivors took over: an acknowledged write began after each failure.
    assert None not in takeovers.values(), takeovers

    # Every acknowledged write is there: the database probe's inserts, the login tokens (each
    # still verifies), the creates, and each instance's last acknowledged power change.
    stored = {r[0] for r in sql(galera_port, "SELECT id FROM scm_probe.probe")}
    assert stored == set(tally.probe_ids), set(tally.probe_ids) - stored
    s = requests.Session()
    lost = [
        t
        for t, user in tally.tokens
        if s.get(
            auth + "/auth/verify_token", params={"auth_token": t, "userid": user}, timeout=30
        ).status_code
        != 200
    ]
    assert lost == [], f"{len(lost)} of {len(tally.tokens)} acknowledged tokens lost"
    created = set(tally.created)
    wanted = {
        i: "STOPPED" if (tally.power.get(i) or [""])[-1] == "off" else "ACTIVE" for i in created
    }
    mine = wait_for(site, headers, created, wanted)
    print(
        f"ha: {len(tally.probe_ids)} acknowledged probe inserts, {len(tally.tokens)} tokens, "
        f"{len(created)} creates ({len(mine)} found), power changes "
        f"{sum(len(v) for v in tally.power.values())} on {sum(map(bool, tally.power.values()))} "
        "instances"
    )
    assert set(mine) == created
    assert {i: mine[i]["status"] for i in created} == wanted
    assert any(v == ["off", "on"] for v in tally.power.values()), dict(tally.power)

    # Workers on both hosts drove instances: from the lease owners sampled during the load.
    hosts = {}
    for instance in created:
        for owner in tally.drivers.get(instance, ()):
            hosts.setdefault(owner.split(":")[0], set()).add(instance)
    print("ha: instances leased by " + ", ".join(f"{h} {len(v)}" for h, v in sorted(hosts.items())))
    assert {"scm1", "scm2"} <= set(hosts), hosts

    # Power the stopped ones on, then every instance holds exactly one server, volume and
    # floating IP on the simulator, and nothing SCM made belongs to no instance.
    for instance in [i for i in created if wanted[i] == "STOPPED"]:
        url = f"{site.urls['cloudcontroller']}/server-instance/{instance}"
        turned = s.put(url, json={"power": "on"}, headers=headers, timeout=30)
        assert turned.status_code == 200, turned.text
    mine = wait_for(site, headers, created, dict.fromkeys(created, "ACTIVE"))
    assert {i["status"] for i in mine.values()} == {"ACTIVE"}, mine
    deadline = time.monotonic() + 30
    while True:  # a powered-off server's delete may still be finishing
        cloud = scm_resources(site.simulator.url + "/identity/v3", "admin-password")
        kinds = ("servers", "volumes", "floating_ips")
        counts = {i: tuple(len(cloud.get(i, {}).get(k, ())) for k in kinds) for i in created}
        strays = {k: v for k, v in cloud.items() if k not in created}
        if (set(counts.values()) == {(1, 1, 1)} and not strays) or time.monotonic() > deadline:
            break
        time.sleep(1)
    print(f"ha: simulator: {len(created)} instances, each with (servers, volumes, fips) (1, 1, 1)")
    assert {i: c for i, c in counts.items() if c != (1, 1, 1)} == {}
    assert strays == {}
