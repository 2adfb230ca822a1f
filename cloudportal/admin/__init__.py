"""Superuser mode (seed 1.4.1, issue 12): the Administration pages (users, every login node on
every controller, the cloud controller registry, the audit log) and masquerade ("view as")."""


def includeme(config):
    config.scan(".views_users")
    config.scan(".views_nodes")
    config.scan(".views_registry")
    config.scan(".masquerade")
