"""/user-storage quotas (stand-in lfs) and record_user_storage (scan vs du, the CLI)."""

from __future__ import annotations

import os
import subprocess

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cloudcontroller.accounts.models import SystemUser
from cloudcontroller.scripts.record_user_storage import main as record_main
from cloudcontroller.user_storage import services
from cloudcontroller.user_storage.models import UserStorageUsage
from cloudcontroller.user_storage.scan import scan_pool
from cloudcontroller.user_storage.settings import UserStorageSettings
from common.migrations import upgrade
from tests.cloudcontroller.accounts.helpers import unique_name


def make_pool(base, owners):
    pool = base / "pool"
    for i, uid in enumerate(owners):
        d = pool / f"d{i}" / "sub"
        d.mkdir(parents=True)
        for j in range(5):
            f = d / f"f{j}"
            f.write_bytes(b"x" * (5000 * (j + 1)))
            os.chown(f, uid, uid)
        os.link(d / "f0", d / "hardlink")  # counted once, as du does
    os.chown(pool, 0, 0)
    return pool


def test_scan_matches_du_per_tree(tmp_path):
    pool = make_pool(tmp_path, [30001, 30002, 30003])
    parallel = scan_pool(str(pool), workers=2)
    assert parallel == scan_pool(str(pool), workers=1)
    du = int(
        subprocess.run(
            ["du", "-s", "-B1", str(pool)], capture_output=True, text=True, check=True
        ).stdout.split()[0]
    )
    assert sum(parallel.values()) == du
    assert set(parallel) == {0, 30001, 30002, 30003}


def test_hard_links_across_top_level_trees_count_once_as_du(tmp_path):
    pool = make_pool(tmp_path, [30001, 30002, 30003, 30004])
    os.link(pool / "d0" / "sub" / "f4", pool / "d3" / "sub" / "from-d0")  # another worker's
    os.link(pool / "d1" / "sub" / "f4", pool / "top-level-link")
    (pool / "d2" / "sub" / "deep" / "er").mkdir(parents=True)
    du = int(
        subprocess.run(
            ["du", "-s", "-B1", str(pool)], capture_output=True, text=True, check=True
        ).stdout.split()[0]
    )
    for workers in (1, 2, 3):
        assert sum(scan_pool(str(pool), workers=workers).values()) == du


def test_record_maps_names_to_cloudauth_users_and_reruns_replace(cc_session_factory, clock):
    db = cc_session_factory()
    db.add(SystemUser(cloudauth_id="a" * 32, system_name="alice", uid=30001, gid=30001))
    db.flush()
    recorder = services.UserStorageService(db, UserStorageSettings(), lambda: clock.now)
    recorder.record("/pool", {"alice": 10, "30009": 5})
    recorder.record("/pool", {"alice": 12, "30009": 5})
    rows = db.scalars(select(UserStorageUsage).order_by(UserStorageUsage.system_name)).all()
    assert [(r.system_name, r.cloudauth_id, r.bytes_used) for r in rows] == [
        ("30009", None, 5),
        ("alice", "a" * 32, 12),
    ]


def test_record_user_storage_command_line(tmp_path):
    pool = make_pool(tmp_path, [30001, 30002])
    url = f"sqlite:///{tmp_path}/cc.sqlite"
    engine = create_engine(url)
    upgrade("cloudcontroller", engine)
    with Session(engine) as db, db.begin():
        db.add(SystemUser(cloudauth_id="b" * 32, system_name="bob", uid=30001, gid=30001))
    ini = tmp_path / "cc.ini"
    ini.write_text(
        "[app:main]\nuse = egg:scm#cloudcontroller\n"
        f"sqlalchemy.url = {url}\ncloudauth.url = http://127.0.0.1:1\n"
        "openstack.auth_url = http://x\nopenstack.username = a\nopenstack.password = b\n"
        "openstack.project_name = c\n"
    )
    assert record_main([str(ini)]) == 2  # storage off and no pool named
    assert record_main([str(ini), str(pool)]) == 0
    with Session(engine) as db:
        rows = {r.system_name: r for r in db.scalars(select(UserStorageUsage))}
    assert rows["bob"].cloudauth_id == "b" * 32 and rows["bob"].pool == str(pool)
    assert rows["30002"].bytes_used == rows["bob"].bytes_used > 0
    engine.dispose()


def test_quota_set_by_the_superuser_runs_lfs(app_with, cloudauth, lfs, tmp_path):
    app = app_with(
        **{
            "user_storage.pool": str(tmp_path),
            "user_storage.quota_driver": "lustre",
            "storage.lustre.lfs": str(lfs.path),
        }
    )
    who = cloudauth.user()
    admin = cloudauth.user(roles=["superuser"])
    name = unique_name()
    user = app.post_json("/user", {"system-name": name}, headers=who.headers).json["data"]
    url = f"/user-storage/{user['user-id']}"
    app.put_json(url, {"quota-bytes": 2048}, headers=who.headers, status=403)
    data = app.put_json(url, {"quota-bytes": 1_000_000}, headers=admin.headers).json["data"]
    assert data["quota-bytes"] == 1_000_000
    assert lfs.calls == [["setquota", "-u", name, "-B", "977k", str(tmp_path)]]
    listed = app.get("/user-storage", headers=who.headers).json["data"]
    assert [u["quota-bytes"] for u in listed] == [1_000_000]
