"""The client layer: one module per backend, each registered as a pyramid_services service
built per request with the signed-in user's credentials from the server-side session."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from cloudportal.clients.accountant import AccountantClient, IAccountant
from cloudportal.clients.cloudauth import CloudAuthClient, ICloudAuth
from cloudportal.clients.cloudauth_admin import CloudAuthAdminClient, ICloudAuthAdmin
from cloudportal.clients.controller import ControllerClient, Controllers, IControllers
from cloudportal.clients.http import BackendHTTP, CallCounter, Credentials, pooled_session


def _credentials(request) -> Credentials:
    session = request.session
    return Credentials(session.get("token"), session.get("userid"))


def _counter(request) -> CallCounter:
    return CallCounter()


def includeme(config):
    config.include("pyramid_services")
    settings = config.registry["scm.settings"]
    workers = settings.backend_workers
    # One pooled HTTP session per backend per process (connections are reused across pages).
    pools = {"cloudauth": pooled_session(settings.cloudauth, workers)}
    if settings.accountant:
        pools["accountant"] = pooled_session(settings.accountant, workers)
    for cc in settings.controllers:
        pools[f"cc{cc.id}"] = pooled_session(cc.backend, workers)
    config.registry["scm.portal.http"] = pools
    config.registry["scm.portal.pool"] = ThreadPoolExecutor(
        max_workers=workers, thread_name_prefix="portal-backend"
    )
    config.add_request_method(_credentials, "credentials", reify=True)
    config.add_request_method(_counter, "backend_calls", reify=True)

    def cloudauth_for(request, credentials: Credentials) -> CloudAuthClient:
        """Cloud Auth called with ``credentials`` (see ``controllers_for``)."""
        http = BackendHTTP(
            settings.cloudauth, pools["cloudauth"], credentials, request.backend_calls, "message"
        )
        return CloudAuthClient(http, credentials.userid)

    config.registry["scm.portal.cloudauth_for"] = cloudauth_for

    def cloudauth_factory(context, request):
        return cloudauth_for(request, request.credentials)

    def controllers_for(request, credentials: Credentials) -> Controllers:
        """Every controller, called with ``credentials`` (those of the request's session, or a
        token just issued by a login, before the session holds it)."""
        clients = [
            ControllerClient(
                cc,
                BackendHTTP(
                    cc.backend,
                    pools[f"cc{cc.id}"],
                    credentials,
                    request.backend_calls,
                    "msg",
                ),
                request.registry["scm.portal.cache"],
                credentials.userid,
            )
            for cc in settings.controllers
        ]
        return Controllers(clients, request.registry["scm.portal.pool"])

    config.registry["scm.portal.controllers_for"] = controllers_for

    def controllers_factory(context, request):
        return controllers_for(request, request.credentials)

    def accountant_factory(context, request):
        if settings.accountant is None:
            return None
        return AccountantClient(
            BackendHTTP(
                settings.accountant,
                pools["accountant"],
                request.credentials,
                request.backend_calls,
                "msg",
            )
        )

    config.register_service_factory(cloudauth_factory, ICloudAuth)

    def cloudauth_admin_factory(context, request):
        http = BackendHTTP(
            settings.cloudauth,
            pools["cloudauth"],
            request.credentials,
            request.backend_calls,
            "message",
        )
        return CloudAuthAdminClient(http)

    config.register_service_factory(cloudauth_admin_factory, ICloudAuthAdmin)
    config.register_service_factory(controllers_factory, IControllers)
    config.register_service_factory(accountant_factory, IAccountant)
