"""Help pages and the site's logo."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import FileResponse
from pyramid.view import view_config


@view_config(route_name="help", renderer="help/help.mako", permission="portal")
def help_page(request):
    return {}


@view_config(route_name="faq", renderer="help/faq.mako", permission="portal")
def faq_page(request):
    return {}


@view_config(route_name="site_logo")
def site_logo(request):
    """``site.logo``: a file the operator named in the .ini, never a path from a request."""
    path = request.registry["scm.settings"].site.logo
    if not path:
        raise HTTPNotFound()
    response = FileResponse(path, request=request, cache_max_age=3600)
    return response
