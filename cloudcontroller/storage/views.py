"""``/storage-volume``: GET (filter ``cloudauth-id``), POST, DELETE."""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from cloudcontroller.accounts.lookup import get_visible_user
from cloudcontroller.meta import path_id
from cloudcontroller.storage import services
from cloudcontroller.storage.models import StorageVolume
from common.errors import NotFound
from common.jsonbody import Body
from common.ownership import can_see, visible_owner_ids
from common.params import Params

JSON = "scm_json"


@view_config(
    route_name="storage_volume.collection",
    request_method="GET",
    renderer=JSON,
    permission="authenticated",
)
def list_volumes(request):
    params = Params(request)
    stmt = select(StorageVolume).order_by(StorageVolume.created_at, StorageVolume.id)
    visible = visible_owner_ids(request)
    if visible is not None:
        stmt = stmt.where(StorageVolume.cloudauth_id.in_(visible))
    owner = params.optional("cloudauth-id", 64)
    if owner:
        stmt = stmt.where(StorageVolume.cloudauth_id == owner)
    return request.ok([services.volume_json(v) for v in request.db.scalars(stmt)])


def _visible_volume(request) -> StorageVolume:
    volume_id = path_id(request, "volume_id", "storage volume")
    volume = request.db.get(StorageVolume, volume_id)
    if volume is None or not can_see(request, volume.cloudauth_id):
        raise NotFound(f"no storage volume {volume_id}")
    return volume


@view_config(
    route_name="storage_volume.item",
    request_method="GET",
    renderer=JSON,
    permission="authenticated",
)
def show_volume(request):
    return request.ok(services.volume_json(_visible_volume(request)))


@view_config(
    route_name="storage_volume.collection",
    request_method="POST",
    renderer=JSON,
    permission="authenticated",
)
def create_volume(request):
    """Body: ``{"user-id": ...}`` (or ``"cloudauth-id"``), optional ``"volume-size"`` (GB)."""
    body = Body(request)
    su = get_visible_user(
        request, body.optional_str("user-id", 64), body.optional_str("cloudauth-id", 64)
    )
    settings = request.registry["scm.settings"]
    volume = services.create_volume(
        request.db,
        settings.storage,
        settings.users,
        su,
        body.optional_int("volume-size", minimum=0, maximum=10**7),
        request.now,
    )
    request.response.status = 201
    return request.ok(services.volume_json(volume))


@view_config(
    route_name="storage_volume.item",
    request_method="DELETE",
    renderer=JSON,
    permission="authenticated",
)
def delete_volume(request):
    volume = _visible_volume(request)
    services.delete_volume(
        request.db, request.registry["scm.settings"].storage, volume, request.now
    )
    return request.ok({"volume-id": volume.id})
