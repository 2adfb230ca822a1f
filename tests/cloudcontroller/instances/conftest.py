"""Server-instance tests: the real app and a real worker sharing a freshly migrated database
(the worker commits from its own threads, so no rolled-back connection here), the simulator
through the real client libraries, and a frozen clock."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import pytest
import webtest

from cloudcontroller import main
from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.instances.worker import Worker
from common.db import make_engine
from common.migrations import upgrade
from tests.cloudcontroller.conftest import controller_settings
from tests.conftest import database_url, drop_database

FAST = {
    "virtualization.ready_check": "none",
    "virtualization.configure_vms": "false",
    "openstack.private_network_name": "scm-private",
    "openstack.floating_ip_pool_name": "public",
    "worker.interval": "0.05",
    "worker.lease": "60",
}


@dataclass
class Stack:
    app: webtest.TestApp
    registry: object
    clock: object
    simulator: object

    @property
    def openstack(self):
        return self.registry["scm.openstack"]

    def worker(self, **kw) -> Worker:
        r = self.registry
        return Worker(
            r["scm.settings"], r["scm.dbsession_factory"], r["scm.openstack"], self.clock, **kw
        )

    def db(self):
        return self.registry["scm.dbsession_factory"]()

    def system_user(self, who, name: str | None = None) -> str:
        with self.db() as db:
            user = SystemUser(
                cloudauth_id=who.userid, system_name=name or f"u{uuid.uuid4().hex[:8]}"
            )
            db.add(user)
            db.commit()
            return user.id

    def create(self, who, flavor="1", status=201, **body) -> dict:
        images = self.app.get("/server-image", headers=who.headers).json["data"]
        image = body.pop("image", None) or next(
            i["id"] for i in images if i["name"] == "CentOS-7-loginnode"
        )
        payload = {"server-image": image, "server-flavor": flavor, **body}
        return self.app.post_json(
            "/server-instance", payload, headers=who.headers, status=status
        ).json

    def get(self, who, instance_id: str) -> dict:
        return self.app.get(f"/server-instance/{instance_id}", headers=who.headers).json["data"]

    def run_until(self, worker, instance_id: str, statuses, who, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            worker.run_cycle()
            data = self.get(who, instance_id)
            if data["status"] in statuses:
                return data
            assert time.monotonic() < deadline, f"stuck at {data}"
            time.sleep(0.05)

    def resources_of(self, instance_id: str) -> dict:
        res = self.openstack.list_scm_resources()
        return {
            "servers": [s for s in res.servers if s.scm_instance_uuid == instance_id],
            "volumes": [v for v in res.volumes if v.scm_instance_uuid == instance_id],
            "floating_ips": [f for f in res.floating_ips if f.scm_instance_uuid == instance_id],
            "security_groups": [
                g for g in res.security_groups if g.scm_instance_uuid == instance_id
            ],
        }


@pytest.fixture
def fresh_db_url(tmp_path_factory):
    url = database_url(f"cci{uuid.uuid4().hex[:6]}", tmp_path_factory)
    engine = make_engine({"sqlalchemy.url": url})
    upgrade("cloudcontroller", engine)
    engine.dispose()
    yield url
    drop_database(url)


@pytest.fixture
def make_stack(fresh_db_url, cloudauth, cc_service_account, simulator, peer_cache, clock):
    built = []

    def build(**overrides) -> Stack:
        settings = controller_settings(
            fresh_db_url, cloudauth, cc_service_account, simulator, **{**FAST, **overrides}
        )
        app = main({}, **settings)
        app.registry["scm.cache"] = peer_cache
        app.registry["scm.clock"] = clock
        stack = Stack(
            webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"}),
            app.registry,
            clock,
            simulator,
        )
        built.append(stack)
        return stack

    yield build
    for stack in built:  # leave nothing behind in the shared simulator's small pool
        cleanup_instances(stack)
        stack.registry["scm.db_engine"].dispose()


def cleanup_instances(stack: Stack) -> None:
    from sqlalchemy import update

    from cloudcontroller.instances import models as m

    with stack.db() as db:
        db.execute(
            update(m.ServerInstance)
            .where(m.ServerInstance.desired != m.GONE)
            .values(
                desired=m.GONE,
                pending=True,
                generation=m.ServerInstance.generation + 1,
                lease_owner=None,
                lease_until=None,
            )
        )
        db.commit()
    worker = stack.worker()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        worker.run_cycle()
        with stack.db() as db:
            from sqlalchemy import func, select

            left = db.scalar(
                select(func.count()).select_from(m.ServerInstance).where(m.ServerInstance.pending)
            )
        if not left:
            return
        time.sleep(0.05)


@pytest.fixture
def stack(make_stack):
    return make_stack()
