"""profile"""


def includeme(config):
    config.scan(".views")
