"""Superuser lists (issue 12): Administration > Users, All Login Nodes and the superuser's Manage
My Users over 5,000 rows each.

    .venv/bin/python bench/admin_lists.py [--users 5000] [--nodes 5000] [--requests 40]

A live Cloud Auth and a live cloud controller (real HTTP servers on loopback, SQLite files),
the OpenStack simulator in its own process (the controller's settings need it; no node boots),
and the portal in this process driven through WSGI (WebTest) with a signed-in superuser. The
rows are written straight into the two databases (one password hash for every user).

For each list and a few queries (first page, a middle page sorted descending, a search), the
p50/p95 of the portal's page beside the raw API call that page makes, in the same run, and
their ratio. Figures and ratios, never assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import requests
import webtest
from waitress.server import create_server

PASSWORD = "long enough pw"  # noqa: S105 (tests.live's users)


def serve(app):
    server = create_server(
        app, asyncore_use_poll=True, host="127.0.0.1", port=0, threads=8, connection_limit=10_000
    )
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}"


def seed_users(db_url: str, count: int) -> None:
    from cloudauth.passwords import hash_password
    from cloudauth.users.models import User
    from common.db import make_engine

    engine = make_engine({"sqlalchemy.url": db_url})
    digest = hash_password(PASSWORD)
    now = dt.datetime(2026, 1, 1)
    rows = [
        {
            "id": uuid.uuid4().hex,
            "email": f"bench{i:05d}@lab{i % 17}.example.org",
            "email_key": f"bench{i:05d}@lab{i % 17}.example.org",
            "name": f"Bench Person {count - i:05d}",
            "password_hash": digest,
            "default_password": False,
            "active": 1 if i % 9 else 0,
            "registration_source": ("portal", "ldap", "api")[i % 3],
            "created_at": now + dt.timedelta(seconds=i),
            "updated_at": now,
        }
        for i in range(count)
    ]
    with engine.begin() as conn:
        conn.execute(User.__table__.insert(), rows)
    engine.dispose()


def seed_nodes(controller_app, owners: list[str], count: int) -> None:
    from cloudcontroller.instances import models as m

    engine = controller_app.registry["scm.db_engine"]
    start = dt.datetime(2026, 1, 1)
    rows = [
        {
            "id": m.new_uuid(),
            "cloudauth_id": owners[i % len(owners)],
            "image_id": "img",
            "flavor_id": str(1 + i % 3),
            "hostname": f"node-{i:05d}",
            "public_ip": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}",
            "desired": m.ON,
            "status": m.ACTIVE if i % 5 else m.STOPPED,
            "pending": False,
            "generation": 1,
            "reboot_pending": False,
            "created_at": start + dt.timedelta(seconds=i),
            "updated_at": start,
        }
        for i in range(count)
    ]
    with engine.begin() as conn:
        conn.execute(m.ServerInstance.__table__.insert(), rows)


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def timed(call, n: int) -> tuple[float, float]:
    call()  # warm: connections, templates
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return p50_p95(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()

    from cloudcontroller import main as controller_main
    from cloudportal import main as portal_main
    from common.migrations import upgrade
    from openstack_simulator.testing import SimulatorProcess
    from tests import live
    from tests.cloudcontroller.accounts.helpers import make_root

    tmp = Path(tempfile.mkdtemp(prefix="scm-admin-bench-"))
    cache = live.shared_cache()
    auth_db = f"sqlite:///{tmp}/auth.sqlite"
    cloudauth = live.LiveCloudAuth(auth_db, cache)
    with SimulatorProcess(tmp / "sim.sqlite") as sim:
        _, key, secret = cloudauth.service_account("cloudcontroller_admin")
        cloudauth.post("/cloud_controller/create", cloudauth.admin, id="1", name="cc1")
        (tmp / "home").mkdir()
        cc = controller_main(
            {},
            **{
                "sqlalchemy.url": f"sqlite:///{tmp}/cc.sqlite",
                "cloud_controller_id": "1",
                "cloudauth.url": cloudauth.url,
                "cloudauth.api_key": key,
                "cloudauth.api_secret": secret,
                "openstack.auth_url": sim.url + "/identity/v3",
                "openstack.username": "admin",
                "openstack.password": "admin-password",
                "openstack.project_name": "scm",
                "users.driver": "local",
                "users.root": str(make_root(tmp)),
                "storage.driver": "mkdir",
                "storage.mkdir.root": str(tmp / "home"),
            },
        )
        upgrade("cloudcontroller", cc.registry["scm.db_engine"])
        cc.registry["scm.cache"] = cache
        cc_url = serve(cc)

        print(f"seeding {args.users} users and {args.nodes} nodes ...", flush=True)
        seed_users(auth_db, args.users)
        owners = [
            u["id"]
            for u in cloudauth.get("/user/list", cloudauth.admin, limit="200", search="bench")[
                "users"
            ]
        ]
        seed_nodes(cc, owners, args.nodes)

        superuser = cloudauth.user(roles=["superuser"])
        portal_db = f"sqlite:///{tmp}/portal.sqlite"
        from common.db import make_engine

        engine = make_engine({"sqlalchemy.url": portal_db})
        upgrade("cloudportal", engine)
        engine.dispose()
        portal = webtest.TestApp(
            portal_main(
                {},
                **{
                    "sqlalchemy.url": portal_db,
                    "cloudauth.url": cloudauth.url,
                    "cloudcon.1.name": "Bench cloud",
                    "cloudcon.1.api_endpoint": cc_url.removeprefix("http://"),
                    "cloudcon.1.api_ssl": "false",
                    "session.url": f"memory://bench-{uuid.uuid4().hex}",
                    "session.cookie_secure": "false",
                    "site.url": "http://127.0.0.1",  # links in mails (the bench sends none)
                },
            ),
            extra_environ={"REMOTE_ADDR": "127.0.0.1"},
        )
        form = portal.get("/login").forms[0]
        form["login"], form["password"] = superuser.email, PASSWORD
        assert form.submit().status_int == 302

        api = requests.Session()
        headers = superuser.headers
        middle = args.users // 100

        # Cloud Auth's own answer to both superuser user lists' first page.
        first_page_by_email = {
            "show_inactive": "true",
            "sort": "email",
            "order": "asc",
            "offset": "0",
            "limit": "50",
        }
        cases = [
            (
                "users, page 1 by email",
                "/admin/users",
                {},
                cloudauth.url + "/user/list",
                first_page_by_email,
            ),
            (
                f"users, page {middle} by name desc",
                "/admin/users",
                {"sort": "name", "order": "desc", "page": str(middle)},
                cloudauth.url + "/user/list",
                {
                    "show_inactive": "true",
                    "sort": "name",
                    "order": "desc",
                    "offset": str((middle - 1) * 50),
                    "limit": "50",
                },
            ),
            (
                "users, search 'lab7.'",
                "/admin/users",
                {"q": "lab7."},
                cloudauth.url + "/user/list",
                {
                    "show_inactive": "true",
                    "sort": "email",
                    "order": "asc",
                    "offset": "0",
                    "limit": "50",
                    "search": "lab7.",
                },
            ),
            (
                "nodes, page 1 by created",
                "/admin/nodes",
                {},
                cc_url + "/server-instance",
                {"sort": "creation-date", "order": "asc", "offset": "0", "limit": "50"},
            ),
            (
                f"nodes, page {args.nodes // 100} by hostname desc",
                "/admin/nodes",
                {"sort": "hostname", "order": "desc", "page": str(args.nodes // 100)},
                cc_url + "/server-instance",
                {
                    "sort": "hostname",
                    "order": "desc",
                    "offset": str((args.nodes // 100 - 1) * 50),
                    "limit": "50",
                },
            ),
            (
                "nodes, search 'stopped'",
                "/admin/nodes",
                {"q": "stopped"},
                cc_url + "/server-instance",
                {
                    "sort": "creation-date",
                    "order": "asc",
                    "offset": "0",
                    "limit": "50",
                    "search": "stopped",
                },
            ),
            (
                "Manage My Users (superuser), page 1",
                "/users",
                {},
                cloudauth.url + "/user/list",
                first_page_by_email,
            ),
        ]
        print(f"\n{args.users} users, {args.nodes} nodes; {args.requests} requests each (ms)")
        print(f"{'list':36} {'portal page p50/p95':>22} {'raw API p50/p95':>20} {'ratio p50':>10}")
        for name, path, params, api_url, api_params in cases:
            shown = portal.get(path, params=params)
            assert shown.status_int == 200 and "bench0" in shown.text, shown.text[:300]

            def raw(url=api_url, query=api_params):
                r = api.get(url, params=query, headers=headers, timeout=30)
                assert r.status_code == 200, r.text[:200]

            def page(path=path, params=params):
                portal.get(path, params=params)

            page_t = timed(page, args.requests)
            raw_t = timed(raw, args.requests)
            print(
                f"{name:36} {page_t[0] * 1e3:9.1f} / {page_t[1] * 1e3:7.1f}"
                f" {raw_t[0] * 1e3:9.1f} / {raw_t[1] * 1e3:7.1f} {page_t[0] / raw_t[0]:9.2f}x"
            )
        # the whole list, as the pages before paging had to fetch it (for scale)
        whole = timed(
            lambda: api.get(
                cloudauth.url + "/user/list",
                params={"show_inactive": "true", "limit": "10000"},
                headers=headers,
                timeout=60,
            ),
            max(3, args.requests // 10),
        )
        label = "(raw API: all users at once)"
        print(f"{label:36} {'':22} {whole[0] * 1e3:9.1f} / {whole[1] * 1e3:7.1f}")
    cloudauth.close()


if __name__ == "__main__":
    main()
