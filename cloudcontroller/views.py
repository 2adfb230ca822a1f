from pyramid.view import view_config

from cloudcontroller.settings import VERSION


@view_config(route_name="root", request_method="GET", renderer="scm_json")
def root(request):
    """What this service is; no secret, no authentication."""
    settings = request.registry["scm.settings"]
    return request.ok(
        {
            "service": "Scyld Cloud Controller",
            "version": VERSION,
            "cloud_controller_id": settings.cloud_controller_id,
        }
    )
