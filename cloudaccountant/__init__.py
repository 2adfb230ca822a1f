"""Scyld Cloud Accountant: usage import (controller databases, Slurm, PBS, SGE, UGE) and the
daily summaries API."""

from pyramid.config import Configurator

from cloudaccountant.settings import AccountantSettings, pyramid_settings
from common.console import config_errors_exit
from common.envelope import ServiceEnvelope
from common.versionprefix import make_wsgi_app


@config_errors_exit("cloudaccountant")
def main(global_config, **raw):
    settings = AccountantSettings.from_raw(raw)  # fail fast, once
    raw = pyramid_settings(raw)
    raw.setdefault("scm.app_name", "cloudaccountant")
    with Configurator(settings=raw) as config:
        config.registry["scm.settings"] = settings
        config.registry["scm.envelope"] = ServiceEnvelope()
        config.include("common")
        config.include("common.cloudauth_link")
        config.include("cloudaccountant.access")
        config.include("cloudaccountant.reports")
        config.include("cloudaccountant.summaries")
        config.include("cloudaccountant.routes")
        config.scan(
            "cloudaccountant", ignore=["cloudaccountant.migrations", "cloudaccountant.scripts"]
        )
    return make_wsgi_app(config)
