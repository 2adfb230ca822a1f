"""The demo cloud written into an empty state file on first start.

The names are shared with the real-stack setup script, so one contract suite runs against both.
"""

from __future__ import annotations

from openstack_simulator import glance, keystone_resources, neutron, nova
from openstack_simulator.state import Store

ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-password"  # noqa: S105 - the documented demo credential
ADMIN_PROJECT = "admin"
SCM_PROJECT = "scm"
PRIVATE_NETWORK = "scm-private"
EXTERNAL_NETWORK = "public"
LOGIN_IMAGE = "CentOS-7-loginnode"
# The demo's Scyld Cloud Workstation image (seed 1.12.14: service_url marks an SCW image; "{}" is
# the node's address). Only the demo launcher adds it: test clouds keep the one login image.
SCW_IMAGE = "CentOS-7-scw"
GPU_FLAVOR = "g1.gpu"
GPU_PRODUCT_ID = "102d"
GPU_VENDOR_ID = "10de"

FLAVORS = [
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 20, 1),
    ("3", "m1.medium", 4096, 40, 2),
    ("4", "m1.large", 8192, 80, 4),
    ("5", "m1.xlarge", 16384, 160, 8),
]


# Glance properties of the demo's login-node images (seed 1.12.14).
LOGIN_IMAGE_PROPERTIES = {
    "image_type": "loginnode",
    "service_type": "loginNode",
    "active": "true",
    "is_linux": "true",
    "hw_video_model": "qxl",
    "hw_video_ram": "8",
}


def seed(store: Store) -> bool:
    """Write the demo cloud unless the state file already holds one. True when it wrote."""
    if store.setting("seeded"):
        return False
    with store.tx():
        store.put(
            "domain",
            {
                "id": "default",
                "name": "Default",
                "description": "The default domain",
                "enabled": True,
                "options": {},
                "tags": [],
            },
        )
        roles = {
            name: keystone_resources.create_role(store, name)
            for name in ("admin", "member", "reader", "service")
        }
        admin_project = keystone_resources.create_project(
            store, ADMIN_PROJECT, description="Bootstrap project"
        )
        scm_project = keystone_resources.create_project(
            store, SCM_PROJECT, description="Scyld Cloud Manager"
        )
        keystone_resources.create_project(store, "service", description="Service project")
        admin = keystone_resources.create_user(store, ADMIN_USER, ADMIN_PASSWORD)
        for project in (admin_project, scm_project):
            keystone_resources.grant(store, project["id"], admin["id"], roles["admin"]["id"])

        for flavor_id, name, ram, disk, vcpus in FLAVORS:
            nova.create_flavor(
                store, name, ram, disk, vcpus, flavor_id, extra_specs={"gpu": "false"}
            )
        nova.create_flavor(
            store,
            GPU_FLAVOR,
            8192,
            40,
            4,
            "6",
            extra_specs={
                "gpu": "true",
                "pci_passthrough:alias": "K80:1",
                "hw_video:ram_max_mb": "64",
            },
        )

        glance.create_image(
            store,
            LOGIN_IMAGE,
            admin_project["id"],
            "public",
            min_disk=8,
            min_ram=512,
            properties=dict(LOGIN_IMAGE_PROPERTIES),
            data=b"scm simulator login node image\n",
        )

        private = neutron.create_network(store, PRIVATE_NETWORK, scm_project["id"])
        neutron.create_subnet(store, private["id"], "10.0.0.0/24", "scm-private-subnet")
        public = neutron.create_network(store, EXTERNAL_NETWORK, admin_project["id"], external=True)
        neutron.create_subnet(
            store,
            public["id"],
            "203.0.113.0/24",
            "public-subnet",
            [{"start": "203.0.113.10", "end": "203.0.113.19"}],
            "203.0.113.1",
        )
        for address in ("0000:84:00.0", "0000:85:00.0"):
            store.add_pci_device(address, GPU_PRODUCT_ID, GPU_VENDOR_ID)
        store.set_setting("seeded", True)
    return True


def seed_workstation_image(store: Store) -> bool:
    """Add the demo's SCW login-node image unless the state file has one. True when it wrote."""
    if store.setting("seeded_scw_image"):
        return False
    with store.tx():
        admin_project = store.all("project", name=ADMIN_PROJECT)[0]
        glance.create_image(
            store,
            SCW_IMAGE,
            admin_project["id"],
            "public",
            min_disk=8,
            min_ram=512,
            properties={**LOGIN_IMAGE_PROPERTIES, "service_url": "https://{}/"},
            data=b"scm simulator login node image with Scyld Cloud Workstation\n",
        )
        store.set_setting("seeded_scw_image", True)
    return True
