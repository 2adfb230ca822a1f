"""Issue 16, item 1: no user can take over another UNIX account's SSH access. The system name is
the directory's (ldap driver) or a new one (local/nis); keys go only into a home owned by the
account's uid, never through a link, as the account's file; DELETE /user removes them."""

from __future__ import annotations

import os
import stat

from tests.cloudcontroller.accounts.helpers import unique_name
from tests.cloudcontroller.accounts.test_groups_and_keys import ed25519_key

VICTIM_UID = 10500


def add_victim(sysroot, name="victim", home="/home/victim"):
    with (sysroot / "etc" / "passwd").open("a") as f:
        f.write(f"{name}:x:{VICTIM_UID}:{VICTIM_UID}:Victim:{home}:/bin/bash\n")
    with (sysroot / "etc" / "group").open("a") as f:
        f.write(f"{name}:x:{VICTIM_UID}:\n")


def victim_home(tmp_path):
    home = tmp_path / "home" / "victim"
    (home / ".ssh").mkdir(parents=True)
    os.chown(home, VICTIM_UID, VICTIM_UID)
    os.chown(home / ".ssh", VICTIM_UID, VICTIM_UID)
    (home / ".ssh" / "authorized_keys").write_text("ssh-ed25519 AAAA the-victims-own-key\n")
    return home


def test_the_issue_attack_ldap_driver_any_name_then_keys_is_refused(app_with, cloudauth, tmp_path):
    # The probe: users.driver = ldap, storage none, home_root /home; a user not in the directory
    # names an existing account and pushes their key into its authorized_keys.
    home = victim_home(tmp_path)
    app = app_with(**{"users.driver": "ldap", "users.home_root": str(tmp_path / "home")})
    attacker = cloudauth.user()
    body = app.post_json(
        "/user", {"system-name": "victim"}, headers=attacker.headers, status=409
    ).json
    assert "not a directory (LDAP) account" in body["msg"] or "ldap.hosts" in body["msg"]
    assert (home / ".ssh" / "authorized_keys").read_text() == (
        "ssh-ed25519 AAAA the-victims-own-key\n"
    )


def test_local_driver_refuses_an_existing_account_even_inside_scm_uid_range(
    app_with, cloudauth, sysroot, tmp_path
):
    add_victim(sysroot)
    home = victim_home(tmp_path)
    app = app_with(**{"users.home_root": str(tmp_path / "home")})
    attacker = cloudauth.user()
    body = app.post_json(
        "/user", {"system-name": "victim"}, headers=attacker.headers, status=409
    ).json
    assert body["msg"] == "system name victim already exists on this host"
    assert (home / ".ssh" / "authorized_keys").read_text().endswith("the-victims-own-key\n")


def test_local_driver_refuses_an_existing_group_name(app_with, cloudauth, sysroot):
    with (sysroot / "etc" / "group").open("a") as f:
        f.write("wheelish:x:10600:\n")
    app_with().post_json(
        "/user", {"system-name": "wheelish"}, headers=cloudauth.user().headers, status=409
    )


def test_nis_driver_refuses_an_existing_account(app_with, cloudauth, sysroot, nis_make):
    add_victim(sysroot)
    app = app_with(**{"users.driver": "nis", "users.nis.make": str(nis_make.path)})
    app.post_json("/user", {"system-name": "victim"}, headers=cloudauth.user().headers, status=409)
    assert nis_make.calls == []


def test_a_leftover_made_by_scm_for_another_cloudauth_user_is_not_adopted(
    app_with, cloudauth, sysroot
):
    name = unique_name()
    with (sysroot / "etc" / "passwd").open("a") as f:
        f.write(f"{name}:x:10042:10042:SCM someone-else:/home/{name}:/bin/bash\n")
    app_with().post_json(
        "/user", {"system-name": name}, headers=cloudauth.user().headers, status=409
    )


def local_user(app, who, tmp_path, make_home=True):
    data = app.post_json("/user", {"system-name": unique_name()}, headers=who.headers).json["data"]
    home = tmp_path / "home" / data["system-name"]
    if make_home:
        home.mkdir(parents=True)
        os.chown(home, data["uid"], data["uid"])
    return data, home


def test_keys_are_the_accounts_file_and_delete_removes_them(app_with, cloudauth, tmp_path):
    app = app_with(**{"users.home_root": str(tmp_path / "home")})
    who = cloudauth.user()
    user, home = local_user(app, who, tmp_path)
    (home / "notes.txt").write_text("mine")
    url = f"/user/{user['user-id']}"
    app.put_json(url, {"ssh-public-keys": [ed25519_key()]}, headers=who.headers)
    keys = home / ".ssh" / "authorized_keys"
    assert keys.read_text() == ed25519_key() + "\n"
    st = keys.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (user["uid"], user["uid"], 0o600)
    assert (home / ".ssh").stat().st_uid == user["uid"]
    app.delete(url, headers=who.headers)
    assert not keys.exists() and not (home / ".ssh").exists()
    assert (home / "notes.txt").read_text() == "mine"  # only what SCM wrote is removed


def test_a_symlinked_home_is_refused_and_nothing_written(app_with, cloudauth, tmp_path):
    app = app_with(**{"users.home_root": str(tmp_path / "home")})
    who = cloudauth.user()
    user, home = local_user(app, who, tmp_path, make_home=False)
    target = tmp_path / "elsewhere"
    target.mkdir()
    os.chown(target, user["uid"], user["uid"])
    home.parent.mkdir(parents=True, exist_ok=True)
    home.symlink_to(target)
    body = app.put_json(
        f"/user/{user['user-id']}",
        {"ssh-public-keys": [ed25519_key()]},
        headers=who.headers,
        status=409,
    ).json
    assert "is not a directory (a link?)" in body["msg"]
    assert list(target.iterdir()) == []
    assert (
        app.get(f"/user/{user['user-id']}", headers=who.headers).json["data"]["ssh-public-keys"]
        == []
    )


def test_a_symlinked_ssh_directory_is_refused_and_nothing_written(app_with, cloudauth, tmp_path):
    app = app_with(**{"users.home_root": str(tmp_path / "home")})
    who = cloudauth.user()
    user, home = local_user(app, who, tmp_path)
    root_ssh = tmp_path / "root-ssh"
    root_ssh.mkdir(mode=0o700)
    (home / ".ssh").symlink_to(root_ssh)
    body = app.put_json(
        f"/user/{user['user-id']}",
        {"ssh-public-keys": [ed25519_key()]},
        headers=who.headers,
        status=409,
    ).json
    assert ".ssh is not a directory (a link?)" in body["msg"]
    assert list(root_ssh.iterdir()) == []
    assert stat.S_IMODE(root_ssh.stat().st_mode) == 0o700 and root_ssh.stat().st_uid == 0


def test_a_symlinked_authorized_keys_is_replaced_not_followed(app_with, cloudauth, tmp_path):
    app = app_with(**{"users.home_root": str(tmp_path / "home")})
    who = cloudauth.user()
    user, home = local_user(app, who, tmp_path)
    (home / ".ssh").mkdir()
    os.chown(home / ".ssh", user["uid"], user["uid"])
    precious = tmp_path / "precious"
    precious.write_text("root's file\n")
    (home / ".ssh" / "authorized_keys").symlink_to(precious)
    app.put_json(
        f"/user/{user['user-id']}", {"ssh-public-keys": [ed25519_key()]}, headers=who.headers
    )
    assert precious.read_text() == "root's file\n"
    keys = home / ".ssh" / "authorized_keys"
    assert not keys.is_symlink() and keys.read_text() == ed25519_key() + "\n"


def test_a_home_owned_by_another_uid_is_refused_and_nothing_written(app_with, cloudauth, tmp_path):
    app = app_with(**{"users.home_root": str(tmp_path / "home")})
    who = cloudauth.user()
    user, home = local_user(app, who, tmp_path)
    os.chown(home, VICTIM_UID, VICTIM_UID)
    body = app.put_json(
        f"/user/{user['user-id']}",
        {"ssh-public-keys": [ed25519_key()]},
        headers=who.headers,
        status=409,
    ).json
    assert f"belongs to uid {VICTIM_UID}, not to the account's uid {user['uid']}" in body["msg"]
    assert list(home.iterdir()) == []


# --- users.driver = ldap: the name is the directory's -----------------------------------------


def test_ldap_driver_takes_the_name_from_the_directory(ldap_app_with, ldap_cloudauth, tmp_path):
    app = ldap_app_with()
    alice = ldap_cloudauth.login("alice", "alice-pw")
    body = app.post_json("/user", {"system-name": "bob"}, headers=alice.headers, status=400).json
    assert body["msg"] == (
        "system-name must be 'alice', this user's account in the directory, or be left out"
    )
    data = app.post_json("/user", {}, headers=alice.headers, status=201).json["data"]
    assert data["system-name"] == "alice" and data["uid"] is None


def test_ldap_driver_touches_no_local_files_and_delete_removes_keystone_and_cloudauth(
    ldap_app_with, ldap_cloudauth, sysroot
):
    before = (sysroot / "etc" / "passwd").read_text()
    app = ldap_app_with(**{"users.root": str(sysroot)})
    alice = ldap_cloudauth.login("alice", "alice-pw")
    data = app.post_json("/user", {}, headers=alice.headers).json["data"]
    assert data["uid"] is None and data["system-primary-group"] is None
    assert (sysroot / "etc" / "passwd").read_text() == before
    keystone = app.app.registry["scm.openstack"].keystone
    assert "alice" in {u.name for u in keystone.users.list()}
    app.delete(f"/user/{data['user-id']}", headers=alice.headers)
    assert (sysroot / "etc" / "passwd").read_text() == before
    assert "alice" not in {u.name for u in keystone.users.list()}
    view = ldap_cloudauth.get("/user/view/" + alice.userid, ldap_cloudauth.admin)
    assert view["system_accounts"] == [] and view["ldap_uid"] == "alice"


def test_ldap_driver_uses_uname_attr_when_set(ldap_app_with, ldap_cloudauth):
    app = ldap_app_with(**{"ldap.uname_attr": "employeeType"})
    odd = ldap_cloudauth.login("o*dd(1)\\", "odd-pw")
    app.post_json("/user", {"system-name": "odd"}, headers=odd.headers, status=400)
    data = app.post_json("/user", {}, headers=odd.headers, status=201).json["data"]
    assert data["system-name"] == "cloud"  # odd's employeeType in the test directory
    carol = ldap_cloudauth.login("carol", "carol-pw")  # has no employeeType
    body = app.post_json("/user", {}, headers=carol.headers, status=409).json
    assert "has no employeeType" in body["msg"]


def test_ldap_driver_refuses_a_cloudauth_user_outside_the_directory(ldap_app_with, ldap_cloudauth):
    app = ldap_app_with()
    local = ldap_cloudauth.user()
    body = app.post_json("/user", {"system-name": "alice"}, headers=local.headers, status=409)
    assert "not a directory (LDAP) account" in body.json["msg"]


def test_ldap_driver_writes_keys_only_for_an_account_the_host_knows(
    ldap_app_with, ldap_cloudauth, tmp_path
):
    # alice is in the directory but not in this host's name service: no uid owns her home here
    (tmp_path / "alice").mkdir()
    app = ldap_app_with(**{"users.home_root": str(tmp_path)})
    alice = ldap_cloudauth.login("alice", "alice-pw")
    data = app.post_json("/user", {}, headers=alice.headers).json["data"]
    body = app.put_json(
        f"/user/{data['user-id']}",
        {"ssh-public-keys": [ed25519_key()]},
        headers=alice.headers,
        status=409,
    ).json
    assert "has no uid on this host" in body["msg"]
    assert list((tmp_path / "alice").iterdir()) == []
