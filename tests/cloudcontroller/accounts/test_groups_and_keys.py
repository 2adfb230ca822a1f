"""/group on the temporary root's etc/group (domain rule, LDAP refusal) and SSH keys written
to $HOME/.ssh/authorized_keys."""

from __future__ import annotations

import base64
import stat
import struct

import pytest

from tests.cloudcontroller.accounts.helpers import unique_name


def add_user(app, cloudauth, who):
    return app.post_json("/user", {"system-name": unique_name()}, headers=who.headers).json["data"]


def group_line(root, name):
    return next(
        ln for ln in (root / "etc" / "group").read_text().splitlines() if ln.startswith(name + ":")
    )


def test_group_of_one_owner_domain_on_disk(app_with, cloudauth, sysroot):
    app = app_with()
    owner = cloudauth.user(roles=["account_owner"])
    b, c = cloudauth.user(owner=owner), cloudauth.user(owner=owner)
    ua, ub, uc = (add_user(app, cloudauth, w) for w in (owner, b, c))
    name = unique_name("g")
    group = app.post_json(
        "/group",
        {"group-name": name, "group-members": [ua["user-id"], ub["user-id"]]},
        headers=owner.headers,
        status=201,
    ).json["data"]
    members = group_line(sysroot, name).split(":")[3].split(",")
    assert sorted(members) == sorted([ua["system-name"], ub["system-name"]])
    changed = app.put_json(
        f"/group/{group['group-id']}", {"group-members": [uc["user-id"]]}, headers=owner.headers
    ).json["data"]
    assert changed["group-members"] == [uc["user-id"]]
    assert group_line(sysroot, name).split(":")[3] == uc["system-name"]
    shown = app.get(f"/user/{uc['user-id']}", headers=c.headers).json["data"]
    assert shown["system-groups"] == [name]
    app.delete(f"/group/{group['group-id']}", headers=owner.headers)
    assert f"\n{name}:" not in "\n" + (sysroot / "etc" / "group").read_text()


def test_members_from_another_owner_domain_are_refused(app_with, cloudauth, sysroot):
    app = app_with()
    owner = cloudauth.user(roles=["account_owner"])
    other = cloudauth.user(roles=["account_owner"])
    admin = cloudauth.user(roles=["superuser"])
    ua, ud = add_user(app, cloudauth, owner), add_user(app, cloudauth, other)
    name = unique_name("g")
    body = app.post_json(
        "/group",
        {
            "group-name": name,
            "group-members": [ua["user-id"], ud["user-id"]],
            "cloudauth-id": owner.userid,
        },
        headers=admin.headers,
        status=403,
    ).json
    assert "account owner's domain" in body["msg"]
    assert name not in (sysroot / "etc" / "group").read_text()


def test_ldap_mode_refuses_group_changes(app_with, cloudauth):
    app = app_with(**{"users.driver": "ldap"})
    who = cloudauth.user()
    body = app.post_json("/group", {"group-name": "g1"}, headers=who.headers, status=409).json
    assert "LDAP" in body["msg"]


def ed25519_key(comment="me@host"):
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + b"k" * 32
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


def rsa_key(bits):
    n = (1 << (bits - 1)) | 1
    nb = n.to_bytes((bits + 7) // 8 + 1, "big")
    blob = (
        struct.pack(">I", 7)
        + b"ssh-rsa"
        + struct.pack(">I", 3)
        + b"\x01\x00\x01"
        + struct.pack(">I", len(nb))
        + nb
    )
    return f"ssh-rsa {base64.b64encode(blob).decode()}"


def test_keys_are_written_with_owner_and_modes_and_removed(app_with, cloudauth, tmp_path):
    app = app_with(**{"storage.driver": "mkdir", "storage.mkdir.root": str(tmp_path / "h")})
    who = cloudauth.user()
    user = add_user(app, cloudauth, who)
    url = f"/user/{user['user-id']}"
    app.put_json(url, {"ssh-public-keys": [ed25519_key()]}, headers=who.headers, status=409)
    app.post_json("/storage-volume", {"user-id": user["user-id"]}, headers=who.headers)
    keys = [ed25519_key(), rsa_key(3072)]
    data = app.put_json(url, {"ssh-public-keys": keys}, headers=who.headers).json["data"]
    assert data["ssh-public-keys"] == keys
    ssh = tmp_path / "h" / user["system-name"] / ".ssh"
    auth = ssh / "authorized_keys"
    assert auth.read_text() == "".join(k + "\n" for k in keys)
    assert stat.S_IMODE(ssh.stat().st_mode) == 0o700
    assert stat.S_IMODE(auth.stat().st_mode) == 0o600
    assert (auth.stat().st_uid, auth.stat().st_gid) == (user["uid"], user["uid"])
    app.put_json(url, {"ssh-public-keys": []}, headers=who.headers)
    assert auth.read_text() == ""


@pytest.mark.parametrize(
    "key",
    [
        'command="rm -rf /" ' + ed25519_key(),
        ed25519_key() + "\nssh-ed25519 AAAA x",
        rsa_key(1024),
        "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
        "ssh-ed25519 not-base64!",
        "ssh-rsa " + ed25519_key().split()[1],
    ],
)
def test_bad_keys_are_refused(app_with, cloudauth, key, tmp_path):
    app = app_with()
    who = cloudauth.user()
    user = add_user(app, cloudauth, who)
    app.put_json(
        f"/user/{user['user-id']}", {"ssh-public-keys": [key]}, headers=who.headers, status=400
    )
