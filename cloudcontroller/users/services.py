"""UNIX system accounts (seed 1.9.4): the controller's row, the local/NIS account (``local``,
``nis``), the same-named Keystone user, and the system account registered back in Cloud Auth.

``create_user`` does every step or none: each step records its undo, and a failure undoes the
steps done, newest first. Every step is also idempotent, so a retry after a crash (the database
rolled back, the passwd entry left behind) resumes: a leftover entry whose uid lies in SCM's
range is adopted.
"""

from __future__ import annotations

import logging
import os
import re
import secrets

from sqlalchemy import select

from cloudcontroller.openstack import errors as os_errors
from cloudcontroller.storage.drivers import undo_all
from cloudcontroller.users import ids
from cloudcontroller.users.models import SshKey, SystemUser
from cloudcontroller.users.sshkeys import parse_keys, write_authorized_keys
from cloudcontroller.users.unix import UnixAccounts
from common.errors import BadRequest, Conflict, Forbidden, NotFound, Unavailable
from common.ownership import can_see

log = logging.getLogger("scm.cloudcontroller.users")
UNIX_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def valid_name(name: str, what: str = "system-name") -> str:
    if not UNIX_NAME.match(name):
        raise BadRequest(
            f"{what} {name!r} is not a valid UNIX name: lowercase letters, digits, _ and -, "
            "starting with a letter or _, at most 32 characters"
        )
    return name


def get_visible_user(request, user_id: str | None, cloudauth_id: str | None = None) -> SystemUser:
    """The system user named by its user-id (or its Cloud Auth id), when the caller sees it."""
    if user_id:
        su = request.db.get(SystemUser, user_id)
    elif cloudauth_id:
        su = request.db.scalar(select(SystemUser).where(SystemUser.cloudauth_id == cloudauth_id))
    else:
        raise BadRequest("user-id is required")
    if su is None or not can_see(request, su.cloudauth_id):
        raise NotFound(f"no system user {user_id or cloudauth_id}")
    return su


def create_user(request, cloudauth_id: str, system_name: str) -> SystemUser:
    db, settings = request.db, request.registry["scm.settings"]
    us = settings.users
    if not can_see(request, cloudauth_id):
        raise Forbidden("you may create system accounts only for yourself or your managed users")
    valid_name(system_name)
    if db.scalar(select(SystemUser).where(SystemUser.cloudauth_id == cloudauth_id)):
        raise Conflict("this Cloud Auth user already has a system account on this controller")
    if db.scalar(select(SystemUser).where(SystemUser.system_name == system_name)):
        raise Conflict(f"system name {system_name} is taken")
    cloudauth = request.registry["scm.cloudauth"]
    cloudauth.service_call("GET", f"/user/view/{cloudauth_id}")  # NotFound for an unknown user

    unix = UnixAccounts(us) if us.manages_unix else None
    uid = None
    if unix is not None:
        existing = unix.users().get(system_name)
        if existing is not None:
            if not us.uid_min <= existing[0] <= us.uid_max or not ids.claim(
                db, existing[0], "user", system_name
            ):
                raise Conflict(f"system name {system_name} already exists on this host")
            uid = existing[0]  # left by an earlier attempt that crashed: resume
        else:
            uid = ids.allocate(db, "user", system_name, us.uid_min, us.uid_max, unix.taken_ids())
    storage_on = settings.storage.enabled
    home = (
        os.path.join(settings.storage.root, system_name)
        if storage_on
        else os.path.join(us.home_root, system_name)
    )
    su = SystemUser(
        cloudauth_id=cloudauth_id,
        system_name=system_name,
        uid=uid,
        gid=uid,
        primary_group=system_name if unix is not None else None,
    )
    db.add(su)
    db.flush()

    undo: list = []
    try:
        if unix is not None:
            unix.add_user(system_name, uid, home)
            undo.append(lambda: (unix.delete_user(system_name), unix.publish()))
            unix.publish()
        su.keystone_user_id = _keystone_user(request, system_name, undo)
        _register(cloudauth, settings.cloud_controller_id, su, undo)
        if us.autocreate_storage and storage_on:
            from cloudcontroller.storage.services import create_volume

            create_volume(db, settings.storage, us, su, None, request.now)
        db.flush()
    except BaseException:
        undo_all(undo)
        raise
    return su


def _keystone_user(request, name: str, undo: list) -> str:
    settings = request.registry["scm.settings"]
    try:
        user = request.openstack.ensure_user(
            name,
            secrets.token_urlsafe(24),  # nobody logs in to Keystone with it
            settings.openstack.project_name,
            settings.users.keystone_role,
        )
    except os_errors.OpenStackError as exc:
        raise Unavailable(f"Keystone refused the user: {exc.detail}") from exc
    undo.append(lambda: request.openstack.delete_user(name))
    return user.id


def _register(cloudauth, cc_id: int, su: SystemUser, undo: list) -> None:
    """Register the system account in Cloud Auth; a leftover of a crashed attempt (same user,
    same name) is replaced so that its uuid names this row."""
    params = {
        "user_id": su.cloudauth_id,
        "username": su.system_name,
        "uuid": su.id,
        "cloud_controller_id": str(cc_id),
    }
    try:
        body = cloudauth.service_call("POST", "/system_account/create", params)
    except Conflict:
        listed = cloudauth.service_call(
            "GET",
            "/system_account/list",
            {"user_id": su.cloudauth_id, "cloud_controller_id": str(cc_id)},
        )["data"]["system_accounts"]
        stale = [a for a in listed if a["username"] == su.system_name]
        if not stale:
            raise
        cloudauth.service_call("POST", f"/system_account/delete/{stale[0]['id']}")
        body = cloudauth.service_call("POST", "/system_account/create", params)
    account_id = body["data"]["id"]
    undo.append(lambda: cloudauth.service_call("POST", f"/system_account/delete/{account_id}"))


def set_ssh_keys(request, su: SystemUser, lines: list[str]) -> None:
    settings = request.registry["scm.settings"]
    if not settings.users.ssh_key_mgmt:
        raise Conflict("SSH key management is off on this controller (scm.ssh_key_mgmt)")
    keys = parse_keys(lines)
    db = request.db
    if settings.storage.enabled:
        from cloudcontroller.storage.services import volume_for_user

        volume = volume_for_user(db, su.id)
        if volume is None or volume.status != "active":
            raise Conflict("the user has no storage volume yet: create one before pushing keys")
        home = volume.path
    else:
        home = os.path.join(settings.users.home_root, su.system_name)
    write_authorized_keys(home, su.uid, su.gid, [k.line for k in keys])
    for old in db.scalars(select(SshKey).where(SshKey.user_id == su.id)):
        db.delete(old)
    for k in keys:
        db.add(
            SshKey(
                user_id=su.id,
                key_type=k.key_type,
                key_data=k.key_data,
                comment=k.comment,
                fingerprint=k.fingerprint,
            )
        )
    db.flush()


def user_json(db, su: SystemUser) -> dict:
    from cloudcontroller.groups.models import GroupMember, SystemGroup

    keys = db.scalars(select(SshKey).where(SshKey.user_id == su.id).order_by(SshKey.id))
    groups = db.scalars(
        select(SystemGroup.group_name)
        .join(GroupMember, GroupMember.group_id == SystemGroup.id)
        .where(GroupMember.user_id == su.id)
        .order_by(SystemGroup.group_name)
    )
    return {
        "user-id": su.id,
        "cloudauth-id": su.cloudauth_id,
        "system-name": su.system_name,
        "system-primary-group": su.primary_group,
        "uid": su.uid,
        "ssh-public-keys": [k.line for k in keys],
        "system-groups": list(groups),
        "server-instances": [],  # filled by the server-instance feature (issue 4)
    }
