"""DELETE /user/<id>: the system account removed per driver (temporary root's passwd/group,
NIS maps, Keystone, Cloud Auth), refused while the user has server-instances or a volume,
undone when a step fails half-way, resumed after a crash; and ``server-instances`` in the JSON."""

from __future__ import annotations

import datetime as dt
import subprocess

from cloudcontroller.instances import models as im
from tests.cloudcontroller.accounts.helpers import Recorder, unique_name


def entries(root, name):
    return {
        line.split(":")[0]: line
        for line in (root / "etc" / name).read_text().splitlines()
        if line.strip()
    }


def keystone_names(app):
    return {u.name for u in app.app.registry["scm.openstack"].keystone.users.list()}


def accounts(cloudauth, who):
    return [
        (a["username"], a["uuid"])
        for a in cloudauth.get("/user/view/" + who.userid, cloudauth.admin)["system_accounts"]
    ]


def new_user(app, cloudauth, who=None):
    who = who or cloudauth.user()
    data = app.post_json("/user", {"system-name": unique_name()}, headers=who.headers).json["data"]
    return who, data


def test_local_driver_removes_account_group_membership_keystone_and_cloudauth(
    app_with, cloudauth, sysroot
):
    app = app_with()
    owner = cloudauth.user(roles=["account_owner"])
    managed = cloudauth.user(owner=owner)  # before the owner's first call caches their users
    _, keep = new_user(app, cloudauth, owner)
    who, user = new_user(app, cloudauth, managed)
    name = user["system-name"]
    group = unique_name("g")
    app.post_json(
        "/group",
        {"group-name": group, "group-members": [keep["user-id"], user["user-id"]]},
        headers=owner.headers,
    )
    assert name in entries(sysroot, "passwd") and name in keystone_names(app)
    assert accounts(cloudauth, who) == [(name, user["user-id"])]

    body = app.delete(f"/user/{user['user-id']}", headers=who.headers).json
    assert body["data"] == {"user-id": user["user-id"]}
    assert name not in entries(sysroot, "passwd")
    assert name not in entries(sysroot, "shadow")
    groups = entries(sysroot, "group")
    assert name not in groups  # the private group
    assert groups[group].split(":")[3] == keep["system-name"]  # off the secondary group
    assert name not in keystone_names(app)
    assert accounts(cloudauth, who) == []
    app.get(f"/user/{user['user-id']}", headers=who.headers, status=404)
    shown = app.get("/group", {"group-name": group}, headers=owner.headers).json["data"]
    assert shown[0]["group-members"] == [keep["user-id"]]
    # the uid is never handed out again
    _, again = new_user(app, cloudauth)
    assert again["uid"] != user["uid"]


def test_nis_driver_rebuilds_the_maps_after_userdel(app_with, cloudauth, sysroot, nis_make):
    app = app_with(**{"users.driver": "nis", "users.nis.make": f"{nis_make.path} -C /var/yp"})
    who, user = new_user(app, cloudauth)
    app.delete(f"/user/{user['user-id']}", headers=who.headers)
    assert user["system-name"] not in entries(sysroot, "passwd")
    assert nis_make.calls == [["-C", "/var/yp"], ["-C", "/var/yp"]]


def test_configured_userdel_and_groupdel_get_the_prefix_and_name(app_with, cloudauth, tmp_path):
    userdel, groupdel = Recorder(tmp_path, "userdel"), Recorder(tmp_path, "groupdel")
    app = app_with(**{"users.userdel": str(userdel.path), "users.groupdel": str(groupdel.path)})
    who, user = new_user(app, cloudauth)
    app.delete(f"/user/{user['user-id']}", headers=who.headers)
    root = str(tmp_path / "sysroot")
    assert userdel.calls == [["--prefix", root, user["system-name"]]]
    assert groupdel.calls == [["--prefix", root, user["system-name"]]]


def test_refused_while_a_storage_volume_exists(app_with, cloudauth, tmp_path, sysroot):
    app = app_with(**{"storage.driver": "mkdir", "storage.mkdir.root": str(tmp_path / "h")})
    who, user = new_user(app, cloudauth)
    vol = app.post_json("/storage-volume", {"user-id": user["user-id"]}, headers=who.headers)
    body = app.delete(f"/user/{user['user-id']}", headers=who.headers, status=409).json
    assert "storage volume" in body["msg"]
    assert user["system-name"] in entries(sysroot, "passwd")
    app.delete(f"/storage-volume/{vol.json['data']['volume-id']}", headers=who.headers)
    app.delete(f"/user/{user['user-id']}", headers=who.headers)


def add_instance(db, owner: str, status: str, granted: str | None = None) -> str:
    now = dt.datetime(2026, 3, 1, 12)
    inst = im.ServerInstance(
        id=im.new_uuid(),
        cloudauth_id=owner,
        image_id="i",
        flavor_id="1",
        hostname="h",
        status=status,
        desired=im.GONE if status == im.DELETED else im.ON,
        created_at=now,
        updated_at=now,
    )
    if granted:
        inst.users = [im.InstanceUser(user_id=granted)]
    db.add(inst)
    db.flush()
    return inst.id


def test_server_instances_in_the_json_and_refusal_while_any_remain(
    app_with, cloudauth, sysroot, cc_session_factory
):
    app = app_with()
    who, user = new_user(app, cloudauth)
    other, _ = new_user(app, cloudauth)
    db = cc_session_factory()
    gone = add_instance(db, who.userid, im.DELETED)
    owned = add_instance(db, who.userid, im.ACTIVE)
    granted = add_instance(db, other.userid, im.STOPPED, granted=user["user-id"])
    shown = app.get(f"/user/{user['user-id']}", headers=who.headers).json["data"]
    assert sorted(shown["server-instances"]) == sorted([owned, granted])
    assert gone not in shown["server-instances"]
    body = app.delete(f"/user/{user['user-id']}", headers=who.headers, status=409).json
    assert owned in body["msg"] and granted in body["msg"]
    assert user["system-name"] in entries(sysroot, "passwd")
    for inst_id in (owned, granted):
        db.get(im.ServerInstance, inst_id).status = im.DELETED
    db.flush()
    app.delete(f"/user/{user['user-id']}", headers=who.headers)


def test_a_failure_half_way_restores_every_step(app_with, cloudauth, sysroot, tmp_path):
    # groupdel fails after the real userdel removed the passwd entry: the entry comes back with
    # its uid and secondary groups, and the Cloud Auth registration and Keystone user too.
    groupdel = Recorder(tmp_path, "groupdel", code=1)
    app = app_with(**{"users.groupdel": str(groupdel.path)})
    owner = cloudauth.user(roles=["account_owner"])
    who, user = new_user(app, cloudauth, owner)
    group = unique_name("g")
    app.post_json(
        "/group", {"group-name": group, "group-members": [user["user-id"]]}, headers=owner.headers
    )
    name = user["system-name"]
    passwd_line = entries(sysroot, "passwd")[name]
    body = app.delete(f"/user/{user['user-id']}", headers=who.headers, status=503).json
    assert "failed" in body["msg"]
    assert entries(sysroot, "passwd")[name] == passwd_line
    assert entries(sysroot, "group")[group].split(":")[3] == name
    assert accounts(cloudauth, who) == [(name, user["user-id"])]
    assert name in keystone_names(app)
    shown = app.get(f"/user/{user['user-id']}", headers=who.headers).json["data"]
    assert shown["uid"] == user["uid"]


def test_a_retry_after_a_crash_resumes(app_with, cloudauth, sysroot):
    # A crash after userdel and the Cloud Auth unregistration, before the commit: the row is
    # back, the passwd entry and registration are gone; the same DELETE finishes the job.
    app = app_with()
    who, user = new_user(app, cloudauth)
    name = user["system-name"]
    subprocess.run(["userdel", "--prefix", str(sysroot), name], check=True)
    listed = cloudauth.get(
        "/system_account/list", cloudauth.admin, user_id=who.userid, cloud_controller_id="1"
    )["system_accounts"]
    cloudauth.post(f"/system_account/delete/{listed[0]['id']}", cloudauth.admin)
    app.delete(f"/user/{user['user-id']}", headers=who.headers)
    assert name not in entries(sysroot, "group")
    assert name not in keystone_names(app)
    app.get(f"/user/{user['user-id']}", headers=who.headers, status=404)
