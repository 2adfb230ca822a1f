"""``/storage-volume``: GET (filter ``cloudauth-id``), POST, DELETE. The views find what the
caller sees, then call ``StorageService``."""

from __future__ import annotations

from pyramid.view import view_config, view_defaults
from sqlalchemy import select

from cloudcontroller.accounts.lookup import get_visible_user
from cloudcontroller.meta import path_id
from cloudcontroller.storage.models import StorageVolume
from cloudcontroller.storage.services import StorageService, volume_json
from common.errors import NotFound
from common.jsonbody import Body
from common.ownership import can_see, visible_owner_ids_for
from common.params import Params


@view_defaults(route_name="storage_volume.collection", renderer="scm_json")
class VolumeCollection:
    def __init__(self, request):
        self.request = request

    @view_config(request_method="GET", permission="storage:view")
    def list(self):
        request = self.request
        params = Params(request)
        stmt = select(StorageVolume).order_by(StorageVolume.created_at, StorageVolume.id)
        owner = params.optional("cloudauth-id", 64)
        visible = visible_owner_ids_for(request, owner)
        if visible is not None:
            stmt = stmt.where(StorageVolume.cloudauth_id.in_(visible))
        if owner:
            stmt = stmt.where(StorageVolume.cloudauth_id == owner)
        return request.ok([volume_json(v) for v in request.db.scalars(stmt)])

    @view_config(request_method="POST", permission="storage:create")
    def create(self):
        """Body: ``{"user-id": ...}`` (or ``"cloudauth-id"``), optional ``"volume-size"`` (GB)."""
        request = self.request
        body = Body(request)
        su = get_visible_user(
            request, body.optional_str("user-id", 64), body.optional_str("cloudauth-id", 64)
        )
        size = body.optional_int("volume-size", minimum=0, maximum=10**7)
        volume = request.find_service(StorageService).create_volume(su, size)
        request.response.status = 201
        return request.ok(volume_json(volume))


@view_defaults(route_name="storage_volume.item", renderer="scm_json")
class VolumeItem:
    def __init__(self, request):
        self.request = request

    def _volume(self) -> StorageVolume:
        volume_id = path_id(self.request, "volume_id", "storage volume")
        volume = self.request.db.get(StorageVolume, volume_id)
        if volume is None or not can_see(self.request, volume.cloudauth_id):
            raise NotFound(f"no storage volume {volume_id}")
        return volume

    @view_config(request_method="GET", permission="storage:view")
    def show(self):
        return self.request.ok(volume_json(self._volume()))

    @view_config(request_method="DELETE", permission="storage:delete")
    def delete(self):
        volume = self._volume()
        self.request.find_service(StorageService).delete_volume(volume)
        return self.request.ok({"volume-id": volume.id})
