"""Every Cloud Controller route in one place (shared/API.md). GET reads (URL-encoded query),
POST creates, PUT changes, DELETE removes; POST and PUT bodies are JSON. A route with no view
for a method answers 405 in the envelope."""


def includeme(config):
    add = config.add_route
    add("root", "/")
    config.scan("cloudcontroller.views")  # the root view
    config.include("common.openapi")  # GET /openapi.json, public
    add("server_instance.collection", "/server-instance")
    add("server_instance.item", "/server-instance/{instance_id}")
    add("server_flavor.collection", "/server-flavor")
    add("server_flavor.item", "/server-flavor/{flavor_id}")
    add("server_image.collection", "/server-image")
    add("server_image.item", "/server-image/{image_id}")
    add("user.collection", "/user")
    add("user.item", "/user/{user_id}")
    add("group.collection", "/group")
    add("group.item", "/group/{group_id}")
    add("storage_volume.collection", "/storage-volume")
    add("storage_volume.item", "/storage-volume/{volume_id}")
    add("user_storage.collection", "/user-storage")
    add("user_storage.item", "/user-storage/{user_id}")
