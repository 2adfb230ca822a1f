def includeme(config):
    config.scan("cloudcontroller.storage.views")
