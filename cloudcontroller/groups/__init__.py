def includeme(config):
    config.scan("cloudcontroller.groups.views")
