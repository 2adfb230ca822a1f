"""Server-instances as the API changes them: create (with its refusals), power changes, the
per-VM user list, delete. The worker does the OpenStack work; these only write the desired state
(bumping the generation) and the status the user sees at once.

The service takes plain values: the views parse the body and decide who may do what
(``instances.access``) before they call it, so the worker and scripts can use it as well."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from cloudcontroller.accounts.lookup import system_user_for
from cloudcontroller.images.services import ImageService
from cloudcontroller.instances import models as m
from cloudcontroller.instances.grants import UserGrant, check_users_exist
from cloudcontroller.instances.limits import check_flavor_limits
from cloudcontroller.openstack import errors as os_errors
from cloudcontroller.storage.prerequisites import has_active_volume, storage_managed
from common.clock import Clock
from common.errors import BadRequest, Conflict

if TYPE_CHECKING:  # cloudcontroller.settings imports instances.settings: this package's init
    from cloudcontroller.settings import ControllerSettings


class InstanceService:
    def __init__(self, db: Session, settings: ControllerSettings, openstack, clock: Clock):
        self.db, self.settings, self.openstack, self.clock = db, settings, openstack, clock

    def create(
        self,
        owner: str,
        image_id: str,
        flavor_ref: str,
        grants: list[UserGrant],
        sees_all_images: bool,
        image_names: frozenset[str],
    ) -> m.ServerInstance:
        """A new instance of ``owner``'s, booted by the worker. ``image_id`` and ``flavor_ref``
        are OpenStack ids already checked; the image must be one the requester (who sees every
        image, or the names a shared image may name) may use."""
        db, s = self.db, self.settings.instances
        check_users_exist(db, grants)
        if system_user_for(db, owner) is None:
            raise Conflict("the user has no system account on this controller: create one (/user)")
        if storage_managed(self.settings) and not has_active_volume(db, owner):
            raise Conflict("the user has no active storage volume: create one (/storage-volume)")
        try:
            flavor = self.openstack.get_flavor(flavor_ref)
        except os_errors.NotFound:
            raise BadRequest(f"no server-flavor {flavor_ref}") from None
        ImageService(db, self.openstack).usable_image(image_id, sees_all_images, image_names)
        check_flavor_limits(db, s, self.openstack, owner, flavor)
        now = self.clock()
        inst = m.ServerInstance(
            id=m.new_uuid(),
            cloudauth_id=owner,
            image_id=image_id,
            flavor_id=flavor.id,
            desired=m.ON,
            status=m.BUILD,
            phase="",
            pending=True,
            generation=1,
            reboot_pending=False,
            reconfigure_pending=False,
            created_at=now,
            updated_at=now,
        )
        inst.hostname = s.hostname_prefix + inst.id[: s.hostname_uuid_uniq_chars]
        inst.users = [
            m.InstanceUser(user_id=g.user_id, can_power=g.can_power, can_delete=g.can_delete)
            for g in grants
        ]
        db.add(inst)
        db.flush()
        return inst

    def _bump(self, inst: m.ServerInstance, now: dt.datetime, **values) -> None:
        for key, value in values.items():
            setattr(inst, key, value)
        inst.generation += 1
        inst.pending = True
        inst.updated_at = now

    def change_power(self, inst: m.ServerInstance, power: str) -> None:
        if inst.desired == m.GONE:
            raise Conflict("the server-instance is deleted")
        now = self.clock()
        if power == "on":
            if inst.desired == m.ON:
                return
            if inst.status != m.STOPPED:
                raise Conflict(f"the server-instance is {inst.status}; power it on once STOPPED")
            try:
                flavor = self.openstack.get_flavor(inst.flavor_id)
            except os_errors.NotFound:
                raise Conflict(f"server-flavor {inst.flavor_id} no longer exists") from None
            check_flavor_limits(
                self.db, self.settings.instances, self.openstack, inst.cloudauth_id, flavor
            )
            self._bump(inst, now, desired=m.ON, status=m.STARTING, phase="", status_reason=None)
        elif power == "off":
            if inst.desired == m.OFF:
                return
            m.close_power_interval(self.db, inst.id, now)
            self._bump(
                inst,
                now,
                desired=m.OFF,
                status=m.STOPPING,
                phase="",
                status_reason=None,
                reboot_pending=False,
                reconfigure_pending=False,  # a power on configures it anyway
            )
        elif power == "reboot":
            if inst.status not in (m.ACTIVE, m.REBOOTING) or inst.desired != m.ON:
                raise Conflict(f"the server-instance is {inst.status}; only an ACTIVE one reboots")
            self._bump(inst, now, reboot_pending=True, status=m.REBOOTING, status_reason=None)
        else:
            raise BadRequest("power must be on, off or reboot")

    def set_users(self, inst: m.ServerInstance, grants: list[UserGrant]) -> None:
        db = self.db
        check_users_exist(db, grants)
        now = self.clock()
        # The list sent is the result, however often it is sent: rows of users still listed are
        # updated in place, not deleted and inserted again (the flush would insert the new row
        # before deleting the old one and break the (instance, user) unique key).
        current = {u.user_id: u for u in inst.users}
        wanted = {g.user_id for g in grants}
        for user in list(inst.users):
            if user.user_id not in wanted:
                inst.users.remove(user)
        db.flush()
        for g in grants:
            row = current.get(g.user_id)
            if row is None:
                inst.users.append(
                    m.InstanceUser(
                        user_id=g.user_id, can_power=g.can_power, can_delete=g.can_delete
                    )
                )
            else:
                row.can_power, row.can_delete = g.can_power, g.can_delete
        if inst.status == m.ACTIVE and inst.desired == m.ON:
            # The sshd AllowUsers lines follow the list: configure the running VM again.
            self._bump(inst, now, status=m.CONFIGURING, phase="configure")
        elif inst.status == m.CONFIGURING and inst.desired == m.ON:
            # A configuration may be running with the old list: the generation bump makes the
            # worker's write of its result fail, so it re-reads the list and configures again.
            self._bump(inst, now)
        elif inst.status == m.REBOOTING and inst.desired == m.ON:
            # Not now (the VM is going down); once it answers again.
            self._bump(inst, now, reconfigure_pending=True)
        db.flush()

    def delete(self, inst: m.ServerInstance) -> None:
        if inst.desired == m.GONE:
            return
        now = self.clock()
        m.close_power_interval(self.db, inst.id, now)
        self._bump(
            inst,
            now,
            desired=m.GONE,
            status=m.DELETING,
            phase="",
            reboot_pending=False,
            reconfigure_pending=False,
        )
