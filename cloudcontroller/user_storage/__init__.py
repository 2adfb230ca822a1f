def includeme(config):
    config.scan("cloudcontroller.user_storage.views")
