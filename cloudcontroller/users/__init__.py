def includeme(config):
    config.scan("cloudcontroller.users.views")
