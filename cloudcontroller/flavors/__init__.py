def includeme(config):
    config.scan("cloudcontroller.flavors.views")
