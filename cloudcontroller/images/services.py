"""Which Glance images a requester may use (seed 1.9.3) and how the API shows them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cloudcontroller.accounts.lookup import system_user_for
from cloudcontroller.openstack import errors
from cloudcontroller.openstack.interfaces import Image
from common.errors import NotFound
from common.ownership import sees_everything
from common.security import Identity

# Properties an image needs to be offered as a login node (seed 1.15.4).
LOGIN_NODE = {"image_type": "loginnode", "active": "true"}


def shared_with(image: Image) -> frozenset[str]:
    """Ours: a non-public image is shared with the system users (or Cloud Auth ids) named in its
    ``scm_users`` property, e.g. ``glance image-update --property scm_users=alice,bob``."""
    words = image.properties.get("scm_users", "").replace(",", " ").split()
    return frozenset(words)


def usable_by(image: Image, sees_all: bool, names: frozenset[str]) -> bool:
    if sees_all or image.visibility in ("public", "community"):
        return True
    return bool(shared_with(image) & names)


class ImageService:
    """The login-node images a requester may use: ``sees_all`` (every image) and ``names`` (the
    Cloud Auth id and system name a shared image may name) come from ``requester``."""

    def __init__(self, db: Session, openstack):
        self.db, self.openstack = db, openstack

    def requester(self, identity: Identity) -> tuple[bool, frozenset[str]]:
        """(sees every image, the names a shared image may name: Cloud Auth id, system name)."""
        names = {identity.userid}
        account = system_user_for(self.db, identity.userid)
        if account is not None:
            names.add(account.system_name)
        return sees_everything(identity), frozenset(names)

    def usable_images(self, sees_all: bool, names: frozenset[str]) -> list[Image]:
        images = self.openstack.list_images(LOGIN_NODE)
        return [i for i in images if i.status == "active" and usable_by(i, sees_all, names)]

    def usable_image(self, image_id: str, sees_all: bool, names: frozenset[str]) -> Image:
        """The image when the requester may use it as a login node, else NotFound."""
        try:
            image = self.openstack.get_image(image_id)
        except errors.NotFound:
            raise NotFound(f"no server-image {image_id}") from None
        props = image.properties
        login_node = all(props.get(k, "").lower() == v for k, v in LOGIN_NODE.items())
        if not login_node or image.status != "active" or not usable_by(image, sees_all, names):
            raise NotFound(f"no server-image {image_id}")
        return image


def is_linux(image: Image) -> bool:
    return image.properties.get("is_linux", "true").lower() not in ("false", "0", "no")


def operating_system(image: Image) -> dict:
    """From Glance's standard properties (``os_distro``, ``os_version``, ``os_type``)."""
    props = image.properties
    version = props.get("os_version", "")
    return {
        "name": props.get("os_distro") or props.get("os_type") or "",
        "major_version": version.split(".")[0] if version else "",
        "version": version,
        "type": props.get("os_type") or ("linux" if is_linux(image) else "windows"),
    }


def image_json(image: Image) -> dict:
    return {
        "id": image.id,
        "name": image.name,
        "public": image.visibility == "public",
        "operating-system": operating_system(image),
        "min-disk": image.min_disk_gb,
        "min-ram": image.min_ram_mb,
        "creation-date": image.created_at[:19] if image.created_at else None,
        "active": image.properties.get("active", "").lower() == "true",
        "service-url": image.properties.get("service_url"),
    }
