"""Manage Whitelist (the superuser, seed 1.8.6): the list with search and paging, adding one or
many entries at once (one per line, each line checked), removing entries."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.registration.whitelist import Whitelist
from common.params import parse_int

PER_PAGE = 50
MAX_TEXT = 64 * 1024  # a thousand long lines


def _page(request, text: str = "", errors=None, status: int = 200):
    search = (request.GET.get("q") or "").strip()[:254]
    number = parse_int(request.GET.get("page") or "1", minimum=1, maximum=10**6) or 1
    listing = request.find_service(Whitelist).page(search, number, PER_PAGE)
    request.response.status = status
    return {
        "listing": listing,
        "search": search,
        "text": text,
        "errors": errors or [],
        "enforced": request.registry["scm.settings"].registration.whitelist,
    }


@view_config(
    route_name="admin.whitelist",
    request_method="GET",
    renderer="registration/whitelist.mako",
    permission="superuser",
)
def whitelist_page(request):
    return _page(request)


@view_config(
    route_name="admin.whitelist",
    request_method="POST",
    renderer="registration/whitelist.mako",
    permission="superuser",
)
def whitelist_add(request):
    text = request.POST.get("entries", "")
    text = text if isinstance(text, str) else ""
    if len(text) > MAX_TEXT or "\x00" in text:
        errors = [(0, "", f"send at most {MAX_TEXT // 1024} KB of text at once")]
        return _page(request, "", errors, 400)
    result = request.find_service(Whitelist).add_lines(text, request.identity.email)
    if result.errors:
        return _page(request, text, result.errors, 400)
    parts = []
    if result.added:
        parts.append(f"Added {len(result.added)}: {', '.join(result.added[:20])}")
        if len(result.added) > 20:
            parts[-1] += f" and {len(result.added) - 20} more"
    if result.already:
        parts.append(f"already on the list: {', '.join(result.already[:20])}")
    request.session.flash("; ".join(parts) + ".")
    return HTTPFound(request.route_url("admin.whitelist"))


@view_config(route_name="admin.whitelist_remove", request_method="POST", permission="superuser")
def whitelist_remove(request):
    ids = [parse_int(v, minimum=1) for v in request.POST.getall("entry")[:1000]]
    gone = request.find_service(Whitelist).remove([i for i in ids if i])
    if gone:
        request.session.flash(f"Removed {len(gone)}: {', '.join(gone[:20])}.")
    else:
        request.session.flash("Choose the entries to remove first.", "error")
    query = {"q": request.POST.get("q", "")[:254]} if request.POST.get("q") else {}
    return HTTPFound(request.route_url("admin.whitelist", _query=query))
