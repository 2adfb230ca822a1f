from pyramid.view import view_config

from cloudauth.settings import VERSION


@view_config(route_name="root", request_method="GET", renderer="scm_json")
def root(request):
    """What this service is; no secret, no authentication."""
    return request.ok({"service": "Scyld Cloud Auth", "version": VERSION})
