"""Scyld Cloud Controller: server-instances on OpenStack, flavors, images, UNIX users, groups,
$HOME storage volumes and shared-pool user storage."""

from pyramid.config import Configurator

from cloudcontroller.settings import ControllerSettings
from common.console import config_errors_exit
from common.envelope import ServiceEnvelope
from common.versionprefix import make_wsgi_app

# Each feature's includeme registers its services, permissions and views.
FEATURES = ("instances", "images", "flavors", "users", "groups", "storage", "user_storage")


@config_errors_exit("cloudcontroller")
def main(global_config, **raw):
    settings = ControllerSettings.from_raw(raw)  # fail fast, once
    raw.setdefault("scm.app_name", "cloudcontroller")
    with Configurator(settings=raw) as config:
        config.registry["scm.settings"] = settings
        config.registry["scm.envelope"] = ServiceEnvelope()
        config.include("common")
        config.include("common.cloudauth_link")
        config.include("cloudcontroller.openstack.setup")
        config.include("cloudcontroller.accounts.names")
        config.include("cloudcontroller.routes")
        for feature in FEATURES:
            config.include(f"cloudcontroller.{feature}")
    return make_wsgi_app(config)
