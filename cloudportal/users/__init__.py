"""users"""


def includeme(config):
    config.scan(".views")
