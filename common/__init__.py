"""Mechanisms shared by the four SCM services: settings, database wiring, envelopes,
the cache, the Cloud Auth client and token security policy. Never domain rules."""


def includeme(config):
    """Every app's plumbing, in order (the app registers ``scm.settings`` and ``scm.envelope``
    first): clock, envelope renderer, error views, client address, cache, database, access log."""
    config.include("common.clock")
    config.include("common.envelope")
    config.include("common.errors")
    config.include("common.netaddr")
    config.include("common.cache")
    config.include("common.db")
    config.include("common.logs")
