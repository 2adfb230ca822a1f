"""Scyld Cloud Portal: the browser UI for users and account owners (seed 1.8). A client of
Cloud Auth, the cloud controllers and the accountant over their public APIs, and nothing more."""

from pyramid.config import Configurator

from cloudportal.registration.links import purge_at_startup
from cloudportal.settings import PortalSettings, pyramid_settings
from common.console import config_errors_exit
from common.versionprefix import make_wsgi_app


@config_errors_exit("cloudportal")
def main(global_config, **raw):
    settings = PortalSettings.from_raw(raw)  # fail fast, once
    with Configurator(settings=pyramid_settings(raw, settings)) as config:
        config.registry["scm.settings"] = settings
        config.include("common.clock")
        config.include("common.netaddr")
        config.include("common.db")
        config.include("common.logs")
        config.include("cloudportal.web")
        config.include("cloudportal.errors")
        config.include("cloudportal.clients")
        config.include("cloudportal.routes")
        config.include("cloudportal.auth")
        config.include("cloudportal.sso")
        config.include("cloudportal.profile")
        config.include("cloudportal.nodes")
        config.include("cloudportal.accounts")
        config.include("cloudportal.users")
        config.include("cloudportal.help")
        config.include("cloudportal.reports")
        config.include("cloudportal.registration")
        config.include("cloudportal.admin")
    purge_at_startup(config.registry)
    return make_wsgi_app(config)
