"""Registers the OpenStack driver named by ``openstack.driver`` (a dotted path; the real
client-library driver by default). Its constructor never touches the network, so the controller
starts, and answers what it can, while OpenStack is down."""

from __future__ import annotations

from pyramid.path import DottedNameResolver

DEFAULT_DRIVER = "cloudcontroller.openstack.driver:OpenStackDriver"


def includeme(config):
    factory = DottedNameResolver().resolve(
        config.get_settings().get("openstack.driver") or DEFAULT_DRIVER
    )
    config.registry["scm.openstack"] = factory(config.registry["scm.settings"].openstack)
    config.add_request_method(
        lambda request: request.registry["scm.openstack"], "openstack", reify=True
    )
    config.scan("cloudcontroller.openstack.views")  # OpenStack's errors in any request
