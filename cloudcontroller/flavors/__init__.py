"""``/server-flavor``: Nova's flavors, read-only."""

from common.security import add_permissions


def includeme(config):
    add_permissions(config, "flavor:view")
    config.scan("cloudcontroller.flavors.views")
