"""The JSON schemas Glance serves under /v2/schemas (glanceclient builds its models from them).

Shaped after glance/api/v2/images.py `get_base_properties()` and image_members.py.
"""

from __future__ import annotations

_NULLABLE_STRING = {"type": ["null", "string"]}

_IMAGE_PROPERTIES = {
    "id": {
        "type": "string",
        "description": "An identifier for the image",
        "pattern": (
            "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
            "-([0-9a-fA-F]){12}$"
        ),
    },
    "name": {"type": ["null", "string"], "maxLength": 255},
    "status": {
        "type": "string",
        "readOnly": True,
        "enum": [
            "queued",
            "saving",
            "active",
            "killed",
            "deleted",
            "uploading",
            "importing",
            "pending_delete",
            "deactivated",
        ],
    },
    "visibility": {"type": "string", "enum": ["community", "public", "private", "shared"]},
    "protected": {"type": "boolean"},
    "os_hidden": {"type": "boolean"},
    "checksum": {"type": ["null", "string"], "readOnly": True, "maxLength": 32},
    "os_hash_algo": {"type": ["null", "string"], "readOnly": True, "maxLength": 64},
    "os_hash_value": {"type": ["null", "string"], "readOnly": True, "maxLength": 128},
    "owner": {"type": ["null", "string"], "maxLength": 255},
    "size": {"type": ["null", "integer"], "readOnly": True},
    "virtual_size": {"type": ["null", "integer"], "readOnly": True},
    "container_format": {
        "type": ["null", "string"],
        "enum": [None, "ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"],
    },
    "disk_format": {
        "type": ["null", "string"],
        "enum": [
            None,
            "ami",
            "ari",
            "aki",
            "vhd",
            "vhdx",
            "vmdk",
            "raw",
            "qcow2",
            "vdi",
            "iso",
            "ploop",
        ],
    },
    "created_at": {"type": "string", "readOnly": True},
    "updated_at": {"type": "string", "readOnly": True},
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 255}},
    "direct_url": {"type": "string", "readOnly": True},
    "min_ram": {"type": "integer"},
    "min_disk": {"type": "integer"},
    "self": {"type": "string", "readOnly": True},
    "file": {"type": "string", "readOnly": True},
    "stores": {"type": "string", "readOnly": True},
    "schema": {"type": "string", "readOnly": True},
    "locations": {"type": "array", "items": {"type": "object"}},
    "description": _NULLABLE_STRING,
    "kernel_id": _NULLABLE_STRING,
    "ramdisk_id": _NULLABLE_STRING,
    "instance_uuid": {"type": "string"},
    "architecture": {"type": "string"},
    "os_distro": {"type": "string"},
    "os_version": {"type": "string"},
}

IMAGE_SCHEMA = {
    "name": "image",
    "properties": _IMAGE_PROPERTIES,
    "additionalProperties": {"type": "string"},
    "links": [
        {"rel": "self", "href": "{self}"},
        {"rel": "enclosure", "href": "{file}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}

IMAGES_SCHEMA = {
    "name": "images",
    "properties": {
        "images": {"type": "array", "items": IMAGE_SCHEMA},
        "schema": {"type": "string"},
        "first": {"type": "string"},
        "next": {"type": "string"},
    },
    "links": [
        {"rel": "first", "href": "{first}"},
        {"rel": "next", "href": "{next}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}

MEMBER_SCHEMA = {
    "name": "member",
    "properties": {
        "created_at": {"type": "string"},
        "image_id": {"type": "string"},
        "member_id": {"type": "string"},
        "schema": {"type": "string", "readOnly": True},
        "status": {"type": "string", "enum": ["pending", "accepted", "rejected"]},
        "updated_at": {"type": "string"},
    },
}

MEMBERS_SCHEMA = {
    "name": "members",
    "properties": {
        "members": {"type": "array", "items": MEMBER_SCHEMA},
        "schema": {"type": "string"},
    },
    "links": [{"rel": "self", "href": "{self}"}, {"rel": "describedby", "href": "{schema}"}],
}
