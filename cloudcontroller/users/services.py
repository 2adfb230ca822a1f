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
import secrets
from typing import TYPE_CHECKING

from pyramid_retry import mark_error_retryable
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cloudcontroller.accounts import ids, names
from cloudcontroller.accounts.models import SshKey, SystemUser
from cloudcontroller.accounts.names import valid_name
from cloudcontroller.accounts.sshkeys import (
    parse_keys,
    remove_authorized_keys,
    write_authorized_keys,
)
from cloudcontroller.accounts.undo import undo_all
from cloudcontroller.accounts.unix import UnixAccounts
from cloudcontroller.groups.models import GroupMember, SystemGroup
from cloudcontroller.instances import models as im
from cloudcontroller.openstack import errors as os_errors
from cloudcontroller.storage.services import StorageService, volume_for_user
from cloudcontroller.user_storage.models import UserStorageQuota
from common.clock import Clock
from common.errors import APIError, BadRequest, Conflict, NotFound, Unavailable

if TYPE_CHECKING:  # cloudcontroller.settings imports users' settings: this package's init
    from cloudcontroller.settings import ControllerSettings

log = logging.getLogger("scm.cloudcontroller.users")


class UserService:
    """System accounts: create (every step or none), SSH keys, delete. The caller has checked
    that the Cloud Auth user is one it may act for (``common.ownership``)."""

    def __init__(
        self,
        db: Session,
        settings: ControllerSettings,
        openstack,
        cloudauth,
        clock: Clock,
        directory=None,
    ):
        self.db, self.settings, self.openstack = db, settings, openstack
        self.cloudauth, self.clock = cloudauth, clock
        self.directory = directory  # (directory, uname_attr) for users.driver = ldap, or None

    def create_user(self, cloudauth_id: str, system_name: str | None) -> SystemUser:
        """The system account of a Cloud Auth user. Its name is the directory's (ldap driver) or
        one that does not exist on the host yet (local/nis): never another account's."""
        db, settings = self.db, self.settings
        us = settings.users
        if system_name:
            valid_name(system_name)
        if db.scalar(select(SystemUser).where(SystemUser.cloudauth_id == cloudauth_id)):
            raise Conflict("this Cloud Auth user already has a system account on this controller")
        cloudauth = self.cloudauth
        # NotFound for an unknown user
        account = cloudauth.service_call("GET", f"/user/view/{cloudauth_id}")["data"]
        if us.driver == "ldap":
            system_name = valid_name(names.ldap_system_name(self.directory, account, system_name))
        elif not system_name:
            raise BadRequest("system-name is required")
        if db.scalar(select(SystemUser).where(SystemUser.system_name == system_name)):
            raise Conflict(f"system name {system_name} is taken")

        unix = UnixAccounts(us) if us.manages_unix else None
        uid = _unix_id(db, us, unix, cloudauth_id, system_name) if unix is not None else None
        storage_on = settings.storage.enabled
        home = home_of(settings, system_name)
        su = SystemUser(
            cloudauth_id=cloudauth_id,
            system_name=system_name,
            uid=uid,
            gid=uid,
            primary_group=system_name if unix is not None else None,
        )
        db.add(su)
        try:
            db.flush()
        except IntegrityError as exc:
            # Another request made this user's account (or took the name) after the checks
            # above: two first logins at once, in two tabs. Run the request again on a fresh
            # transaction (pyramid_retry), whose checks see that account and answer 409.
            mark_error_retryable(exc)
            raise

        undo: list = []
        try:
            if unix is not None:
                unix.add_user(system_name, uid, home, names.gecos_for(cloudauth_id))
                undo.append(lambda: (unix.delete_user(system_name), unix.publish()))
                unix.publish()
            su.keystone_user_id = self._keystone_user(system_name, undo)
            _register(cloudauth, settings.cloud_controller_id, su, undo)
            if us.autocreate_storage and storage_on:
                StorageService(db, settings.storage, us, self.clock).create_volume(su, None)
            db.flush()
        except BaseException:
            undo_all(undo)
            raise
        return su

    def _keystone_user(self, name: str, undo: list) -> str:
        settings = self.settings
        try:
            user = self.openstack.ensure_user(
                name,
                secrets.token_urlsafe(24),  # nobody logs in to Keystone with it
                settings.openstack.project_name,
                settings.users.keystone_role,
            )
        except os_errors.OpenStackError as exc:
            raise Unavailable(f"Keystone refused the user: {exc.detail}") from exc
        undo.append(lambda: self.openstack.delete_user(name))
        return user.id

    def set_ssh_keys(self, su: SystemUser, lines: list[str]) -> None:
        settings = self.settings
        if not settings.users.ssh_key_mgmt:
            raise Conflict("SSH key management is off on this controller (scm.ssh_key_mgmt)")
        keys = parse_keys(lines)
        db = self.db
        if settings.storage.enabled:
            volume = volume_for_user(db, su.id)
            if volume is None or volume.status != "active":
                raise Conflict("the user has no storage volume yet: create one before pushing keys")
            home = volume.path
        else:
            home = home_of(settings, su.system_name)
        uid, gid = names.account_uid(settings.users.driver, su)
        write_authorized_keys(home, uid, gid, [k.line for k in keys])
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

    def delete_user(self, su: SystemUser) -> None:
        """Remove the system account: the local/NIS entry (``local``, ``nis``), the Keystone
        user and the account registered in Cloud Auth, then the controller's rows.

        Refused (409) while the user has server-instances not yet DELETED or a storage volume.
        Each step records its undo, so a failure half-way re-creates what was removed (same uid,
        same Cloud Auth registration); each step is also idempotent, so after a crash (the
        database rolled back, the passwd entry already gone) the same DELETE resumes and
        finishes. The uid is never given back (its ``unix_ids`` claim stays): files on shared
        storage may still carry it."""
        db, settings = self.db, self.settings
        busy = instance_ids(db, su)
        if busy:
            raise Conflict(
                f"{su.system_name} still has server-instances ({', '.join(busy)}): delete them, or "
                "take the user off them, first"
            )
        if volume_for_user(db, su.id) is not None:
            raise Conflict(f"{su.system_name} still has a storage volume: delete it first")
        us = settings.users
        unix = UnixAccounts(us) if us.manages_unix else None
        undo: list = []
        try:
            _remove_keys(db, settings, su, undo)
            _unregister(self.cloudauth, settings.cloud_controller_id, su, undo)
            if unix is not None:
                entry = unix.users().get(su.system_name)
                if entry is not None:
                    uid, home = entry[0], entry[2]
                    groups = [g.name for g in unix.groups().values() if su.system_name in g.members]
                    # before the change: a userdel that worked and a groupdel that failed still undo
                    undo.append(
                        lambda: _restore_unix(
                            unix, su.system_name, uid, home, groups, su.cloudauth_id
                        )
                    )
                unix.delete_user(su.system_name)  # also a private group left by a crashed attempt
                unix.publish()
            self._delete_keystone_user(su, undo)
            for row in db.scalars(select(GroupMember).where(GroupMember.user_id == su.id)):
                db.delete(row)
            for key in db.scalars(select(SshKey).where(SshKey.user_id == su.id)):
                db.delete(key)
            quota = db.get(UserStorageQuota, su.id)
            if quota is not None:
                db.delete(quota)
            db.delete(su)
            db.flush()
        except BaseException:
            undo_all(undo)
            raise

    def _delete_keystone_user(self, su: SystemUser, undo: list) -> None:
        settings = self.settings
        try:
            self.openstack.delete_user(su.system_name)
        except os_errors.OpenStackError as exc:
            raise Unavailable(f"Keystone refused to delete the user: {exc.detail}") from exc
        undo.append(
            lambda: self.openstack.ensure_user(
                su.system_name,
                secrets.token_urlsafe(24),
                settings.openstack.project_name,
                settings.users.keystone_role,
            )
        )


def home_of(settings, system_name: str) -> str:
    """The account's $HOME: on its storage volume when storage is on, else under home_root."""
    root = settings.storage.root if settings.storage.enabled else settings.users.home_root
    return os.path.join(root, system_name)


def _unix_id(db, us, unix: UnixAccounts, cloudauth_id: str, name: str) -> int:
    """A new uid for ``name``, or the uid of the entry an earlier, crashed attempt for this same
    Cloud Auth user left (its GECOS marker says so). Any other existing user or group of that
    name belongs to someone else: taking it over would hand over their files and SSH access."""
    existing = unix.users().get(name)
    taken = Conflict(f"system name {name} already exists on this host")
    if existing is not None:
        ours = unix.gecos(name) == names.gecos_for(cloudauth_id)
        if not ours or not us.uid_min <= existing[0] <= us.uid_max:
            raise taken
        if not ids.claim(db, existing[0], "user", name):
            raise taken
        return existing[0]  # left by an earlier attempt that crashed: resume
    if name in unix.groups() or names.host_has_name(us.root, name):
        raise taken
    return ids.allocate(db, "user", name, us.uid_min, us.uid_max, unix.taken_ids())


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
    except APIError as exc:
        # Cloud Auth answers 409; the shared client turns a status it does not map (409 among
        # them) into a plain APIError, so both mean "taken" here.
        if type(exc) is not APIError and not isinstance(exc, Conflict):
            raise
        listed = cloudauth.service_call(
            "GET",
            "/system_account/list",
            {"user_id": su.cloudauth_id, "cloud_controller_id": str(cc_id)},
        )["data"]["system_accounts"]
        stale = [a for a in listed if a["username"] == su.system_name]
        if not stale:
            raise Conflict(exc.message) from exc
        cloudauth.service_call("POST", f"/system_account/delete/{stale[0]['id']}")
        body = cloudauth.service_call("POST", "/system_account/create", params)
    account_id = body["data"]["id"]
    undo.append(lambda: cloudauth.service_call("POST", f"/system_account/delete/{account_id}"))


def user_json(db, su: SystemUser) -> dict:
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
        "server-instances": instance_ids(db, su),
    }


def _instances_query(su: SystemUser):
    """The user's server-instances not yet DELETED: those their Cloud Auth user owns and those
    the system user is allowed on (``users``)."""
    granted = select(im.InstanceUser.instance_id).where(im.InstanceUser.user_id == su.id)
    return (
        select(im.ServerInstance.id)
        .where(
            or_(
                im.ServerInstance.cloudauth_id == su.cloudauth_id, im.ServerInstance.id.in_(granted)
            )
        )
        .where(im.ServerInstance.status != im.DELETED)
        .order_by(im.ServerInstance.created_at, im.ServerInstance.id)
    )


def instance_ids(db, su: SystemUser) -> list[str]:
    return list(db.scalars(_instances_query(su)))


# -- delete --------------------------------------------------------------------------------------
def _remove_keys(db, settings, su: SystemUser, undo: list) -> None:
    """Remove the authorized_keys SCM wrote for this account (before userdel, while the uid is
    still known); a failure later on writes them back. A home that is gone, or no longer this
    account's, is left alone."""
    lines = [k.line for k in db.scalars(select(SshKey).where(SshKey.user_id == su.id))]
    if not lines:
        return
    home = home_of(settings, su.system_name)
    uid, gid = names.account_uid(settings.users.driver, su)
    if remove_authorized_keys(home, uid):
        undo.append(lambda: write_authorized_keys(home, uid, gid, lines))
    else:
        log.warning("keys of %s not removed: %s fails the home checks", su.system_name, home)


def _restore_unix(
    unix: UnixAccounts, name: str, uid: int, home: str, groups: list[str], cloudauth_id: str
) -> None:
    unix.add_user(name, uid, home, names.gecos_for(cloudauth_id))
    if groups:
        unix.set_secondary_groups(name, groups)
    unix.publish()


def _unregister(cloudauth, cc_id: int, su: SystemUser, undo: list) -> None:
    """Delete the system account(s) Cloud Auth holds for this row on this controller; none left
    (already deleted by an earlier attempt, or the Cloud Auth user gone) is done."""
    try:
        listed = cloudauth.service_call(
            "GET",
            "/system_account/list",
            {"user_id": su.cloudauth_id, "cloud_controller_id": str(cc_id)},
        )["data"]["system_accounts"]
    except NotFound:
        return
    params = {
        "user_id": su.cloudauth_id,
        "username": su.system_name,
        "uuid": su.id,
        "cloud_controller_id": str(cc_id),
    }
    for account in listed:
        if account["username"] != su.system_name and account.get("uuid") != su.id:
            continue
        try:
            cloudauth.service_call("POST", f"/system_account/delete/{account['id']}")
        except NotFound:
            continue  # deleted meanwhile
        undo.append(lambda: cloudauth.service_call("POST", "/system_account/create", params))
