"""/storage-volume: each driver's effect on disk, stand-in lfs/exportfs command lines, the
allocation span the accountant reads, and rollback of a failure half-way."""

from __future__ import annotations

import os
import stat

from sqlalchemy import select

from cloudcontroller.storage.models import StorageAllocation
from cloudcontroller.storage.prerequisites import has_active_volume, storage_managed
from tests.cloudcontroller.accounts.helpers import unique_name


def make_user(app, cloudauth):
    who = cloudauth.user()
    data = app.post_json("/user", {"system-name": unique_name()}, headers=who.headers).json["data"]
    return who, data


def test_mkdir_driver_makes_an_owned_home_with_skel_and_mode(app_with, cloudauth, tmp_path):
    skel = tmp_path / "skel"
    skel.mkdir()
    (skel / ".bashrc").write_text("# hi\n")
    homes = tmp_path / "homes"
    app = app_with(
        **{
            "storage.driver": "mkdir",
            "storage.mkdir.root": str(homes),
            "storage.mkdir.skel": str(skel),
            "storage.mkdir.options": "750",
        }
    )
    who, user = make_user(app, cloudauth)
    vol = app.post_json("/storage-volume", {"user-id": user["user-id"]}, headers=who.headers)
    data = vol.json["data"]
    home = homes / user["system-name"]
    assert data["volume-name"] == str(home)
    assert data["volume-type"]["name"] == "home"
    st = home.stat()
    assert stat.S_IMODE(st.st_mode) == 0o750
    assert (st.st_uid, st.st_gid) == (user["uid"], user["uid"])
    assert (home / ".bashrc").read_text() == "# hi\n"
    assert (home / ".bashrc").stat().st_uid == user["uid"]
    listed = app.get("/storage-volume", headers=who.headers).json["data"]
    assert [v["volume-id"] for v in listed] == [data["volume-id"]]
    app.post_json("/storage-volume", {"user-id": user["user-id"]}, headers=who.headers, status=409)


def test_lustre_driver_sets_a_capped_quota(app_with, cloudauth, tmp_path, lfs, cc_session_factory):
    root = tmp_path / "lustre"
    app = app_with(
        **{
            "storage.driver": "lustre",
            "storage.lustre.root": str(root),
            "storage.lustre.lfs": str(lfs.path),
            "storage.lustre.default_quota": "1000",
            "storage.lustre.max_quota": "2048",
        }
    )
    who, user = make_user(app, cloudauth)
    app.post_json("/storage-volume", {"user-id": user["user-id"]}, headers=who.headers)
    who2, user2 = make_user(app, cloudauth)
    app.post_json(
        "/storage-volume", {"user-id": user2["user-id"], "volume-size": 5}, headers=who2.headers
    )
    assert lfs.calls == [
        ["setquota", "-u", user["system-name"], "-B", "1000M", str(root)],
        ["setquota", "-u", user2["system-name"], "-B", "2048M", str(root)],  # capped
    ]
    assert (root / user["system-name"]).is_dir()


def nfs_settings(tmp_path, exportfs, **more):
    settings = {
        "storage.driver": "nfs",
        "storage.mkdir.root": str(tmp_path / "homes"),
        "storage.nfs.etc": str(tmp_path / "etc"),
        "storage.nfs.exportfs": f"{exportfs.path} -ra",
        "storage.nfs.export.auto_exports": '{"10.20.0.0/16": "rw,sync", "192.168.1.0/24": ""}',
    }
    settings.update(more)
    return settings


def test_nfs_driver_writes_an_exports_d_file_and_reruns_exportfs(
    app_with, cloudauth, tmp_path, exportfs
):
    app = app_with(**nfs_settings(tmp_path, exportfs))
    who, user = make_user(app, cloudauth)
    app.post_json("/storage-volume", {"user-id": user["user-id"]}, headers=who.headers)
    name = user["system-name"]
    export = tmp_path / "etc" / "exports.d" / f"scm-{name}.exports"
    home = tmp_path / "homes" / name
    assert export.read_text() == (
        f"{home} 10.20.0.0/16(rw,sync) 192.168.1.0/24(rw,no_subtree_check)  # scm:{name}\n"
    )
    assert exportfs.calls == [["-ra"]]


def test_nfs_driver_edits_etc_exports_when_exports_d_is_off(
    app_with, cloudauth, tmp_path, exportfs
):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "exports").write_text("/srv 10.0.0.0/8(ro)\n")
    app = app_with(**nfs_settings(tmp_path, exportfs, **{"storage.nfs.use_exports_d": "false"}))
    who, user = make_user(app, cloudauth)
    vol = app.post_json("/storage-volume", {"user-id": user["user-id"]}, headers=who.headers)
    lines = (tmp_path / "etc" / "exports").read_text().splitlines()
    assert lines[0] == "/srv 10.0.0.0/8(ro)"
    assert lines[1].endswith(f"# scm:{user['system-name']}")
    app.delete(f"/storage-volume/{vol.json['data']['volume-id']}", headers=who.headers)
    assert (tmp_path / "etc" / "exports").read_text() == "/srv 10.0.0.0/8(ro)\n"
    assert exportfs.calls == [["-ra"], ["-ra"]]


def test_failure_half_way_is_rolled_back(app_with, cloudauth, tmp_path, exportfs, lfs):
    # NFS export written, then exportfs fails: the export file, the new $HOME and the rows go.
    exportfs.set_exit(1)
    app = app_with(**nfs_settings(tmp_path, exportfs))
    who, user = make_user(app, cloudauth)
    body = app.post_json(
        "/storage-volume", {"user-id": user["user-id"]}, headers=who.headers, status=503
    ).json
    assert "exportfs" in body["msg"]
    assert os.listdir(tmp_path / "etc" / "exports.d") == []
    assert not (tmp_path / "homes" / user["system-name"]).exists()
    assert app.get("/storage-volume", headers=who.headers).json["data"] == []


def test_lustre_quota_failure_removes_the_new_home(app_with, cloudauth, tmp_path, lfs):
    lfs.set_exit(3)
    root = tmp_path / "lustre"
    app = app_with(
        **{
            "storage.driver": "lustre",
            "storage.lustre.root": str(root),
            "storage.lustre.lfs": str(lfs.path),
        }
    )
    who, user = make_user(app, cloudauth)
    app.post_json("/storage-volume", {"user-id": user["user-id"]}, headers=who.headers, status=503)
    assert not (root / user["system-name"]).exists()


def test_retry_after_a_crash_resumes_over_leftovers(app_with, cloudauth, tmp_path, exportfs):
    app = app_with(**nfs_settings(tmp_path, exportfs))
    who, user = make_user(app, cloudauth)
    name = user["system-name"]
    # what a crash after the export step left: the directory and a stale export file
    (tmp_path / "homes" / name).mkdir(parents=True)
    (tmp_path / "etc" / "exports.d").mkdir(parents=True)
    (tmp_path / "etc" / "exports.d" / f"scm-{name}.exports").write_text("stale\n")
    app.post_json("/storage-volume", {"user-id": user["user-id"]}, headers=who.headers)
    text = (tmp_path / "etc" / "exports.d" / f"scm-{name}.exports").read_text()
    assert text.startswith(str(tmp_path / "homes" / name) + " ") and "stale" not in text
    assert (tmp_path / "homes" / name).stat().st_uid == user["uid"]


def test_allocation_span_for_the_accountant_and_prerequisite(
    app_with, cloudauth, tmp_path, cc_session_factory
):
    app = app_with(**{"storage.driver": "mkdir", "storage.mkdir.root": str(tmp_path / "h")})
    who, user = make_user(app, cloudauth)
    db = cc_session_factory()
    assert not has_active_volume(db, who.userid)
    vol = app.post_json(
        "/storage-volume", {"user-id": user["user-id"], "volume-size": 2}, headers=who.headers
    ).json["data"]
    assert has_active_volume(db, who.userid)
    span = db.scalars(
        select(StorageAllocation).where(StorageAllocation.volume_id == vol["volume-id"])
    ).one()
    assert (span.cloudauth_id, span.size_bytes, span.ended_at) == (who.userid, 2 * 1024**3, None)
    app.delete(f"/storage-volume/{vol['volume-id']}", headers=who.headers)
    db.refresh(span)
    assert span.ended_at is not None
    assert not has_active_volume(db, who.userid)


def test_storage_managed_follows_the_driver():
    from cloudcontroller.storage.settings import StorageSettings

    assert not storage_managed(StorageSettings())
    assert storage_managed(StorageSettings(driver="mkdir"))


def test_disabled_storage_answers_409(app_with, cloudauth):
    app = app_with()
    who, user = make_user(app, cloudauth)
    body = app.post_json(
        "/storage-volume", {"user-id": user["user-id"]}, headers=who.headers, status=409
    ).json
    assert "not managed" in body["msg"]


def test_autocreate_storage_with_the_user(app_with, cloudauth, tmp_path):
    app = app_with(
        **{
            "storage.driver": "mkdir",
            "storage.mkdir.root": str(tmp_path / "h"),
            "userauth.autocreate_storage": "true",
        }
    )
    who, user = make_user(app, cloudauth)
    assert (tmp_path / "h" / user["system-name"]).is_dir()
    assert len(app.get("/storage-volume", headers=who.headers).json["data"]) == 1
