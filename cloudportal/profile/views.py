"""My Profile: name and email (read-only for directory and SSO users: their site's directory or
identity provider owns them), password change (current password required), API key and secret
(create, rotate, delete; the secret is shown once)."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from cloudportal.clients.cloudauth import ICloudAuth
from cloudportal.errors import BackendError
from cloudportal.forms import EMAIL, Form
from cloudportal.passwords import check_new_password

SECRET_KEY = "new_api_secret"  # noqa: S105  (a session key name; the secret waits there once)

# Where a directory (LDAP) or SSO user changes the name and email the portal shows.
OWNED_ELSEWHERE = {
    "ldap": "Your name and email come from your site's directory (LDAP): change them there; "
    "they are updated here at your next login.",
    "sso": "Your name and email come from your organization's single sign-on: change them "
    "there; they are updated here at your next login.",
}


def details_owner(request, user: dict) -> str | None:
    """``ldap`` or ``sso`` when the user's name and email belong to the directory or the
    identity provider, else None (a local account edits them here). Cloud Auth tells the
    superuser the source; a user's own session knows how it signed in."""
    source = user.get("registration_source") or request.session.get("external_login")
    return source if source in OWNED_ELSEWHERE else None


def _page(request, details=None, password=None, status=200):
    cloudauth = request.find_service(ICloudAuth)
    me = request.identity.userid
    user = cloudauth.user(me)
    if details is None:
        details = Form(request, ("name", "email"))
        details.values = {"name": user.get("name", ""), "email": user.get("email", "")}
    request.response.status = status
    return {
        "user": user,
        "details": details,
        "password": password or Form(request, ()),
        "api_key": cloudauth.api_key(me),
        "new_secret": request.session.pop(SECRET_KEY, None),
        "owned_elsewhere": OWNED_ELSEWHERE.get(details_owner(request, user) or ""),
    }


@view_config(route_name="profile", renderer="profile/profile.mako", permission="portal")
def profile(request):
    return _page(request)


@view_config(
    route_name="profile.details",
    request_method="POST",
    renderer="profile/profile.mako",
    permission="portal",
)
def update_details(request):
    form = Form(request, ("name", "email"))
    owner = details_owner(request, request.find_service(ICloudAuth).user(request.identity.userid))
    if owner:
        # The page shows no form for them; a hand-made POST is refused, nothing is changed.
        form.message = OWNED_ELSEWHERE[owner]
        return _page(request, details=form, status=400)
    form.require("email")
    if form["email"] and not EMAIL.match(form["email"]):
        form.error("email", "Enter an email address like name@example.com.")
    if form.ok:
        try:
            request.find_service(ICloudAuth).update_user(
                request.identity.userid, name=form["name"], email=form["email"]
            )
        except BackendError as exc:
            if exc.status == 403:
                form.message = (
                    "Your account may not change its own name or email here; ask your account "
                    "owner or the site's administrator."
                )
            else:
                form.refused(exc, "email" if "email" in exc.message else None)
        else:
            request.session["email"] = form["email"]
            request.session["name"] = form["name"]
            request.session.flash("Your details are saved.")
            return HTTPFound(request.route_url("profile"))
    return _page(request, details=form, status=400)


@view_config(
    route_name="profile.password",
    request_method="POST",
    renderer="profile/profile.mako",
    permission="portal",
)
def change_password(request):
    form = Form(request, (), secret=("current_password", "password", "confirm"))
    form.require("current_password", "password", "confirm")
    check_new_password(form, "password", "confirm")
    if form.ok:
        try:
            request.find_service(ICloudAuth).set_password(
                request.identity.userid, form.secret("password"), form.secret("current_password")
            )
        except BackendError as exc:
            form.refused(exc, "current_password" if "current" in exc.message else "password")
        else:
            request.session.flash("Your password is changed.")
            return HTTPFound(request.route_url("profile"))
    return _page(request, password=form, status=400)


@view_config(route_name="profile.api_key", request_method="POST", permission="portal")
def api_key(request):
    cloudauth = request.find_service(ICloudAuth)
    me = request.identity.userid
    action = request.POST.get("action", "")
    try:
        if action == "create":
            created = cloudauth.create_api_key(me)
            # Through the session to the next page (so a reload does not rotate again), and
            # popped there: the secret is shown exactly once.
            request.session[SECRET_KEY] = created["api_secret"]
            request.session.flash("New API key created. Store the secret now: it is shown once.")
        elif action == "delete":
            cloudauth.delete_api_key(me)
            request.session.flash("API key deleted.")
        else:
            request.session.flash("Choose create or delete.", "error")
    except BackendError as exc:
        request.session.flash(f"API key not changed: {exc.message}", "error")
    return HTTPFound(request.route_url("profile", _anchor="api-key"))
