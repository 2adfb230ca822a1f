"""accounts"""


def includeme(config):
    config.scan(".views")
