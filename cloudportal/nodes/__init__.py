"""My Login Nodes (seed 1.8's main screen): server-instances per controller, create, power,
delete, per-node ACLs, deleted instances, live status."""


def includeme(config):
    config.scan(".views")
    config.scan(".scw_views")
