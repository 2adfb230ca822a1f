"""Self-service account requests the portal makes on a visitor's behalf (seed 1.8.2, 1.8.5):
what kind of account an address has, registering a new one, and setting a forgotten password.

The portal has no token for a visitor, so these answer only hosts in ``login_allowed.hosts``
(like ``/auth/login``); the portal proves the visitor controls the address (a mailed link)
before it calls ``register`` or ``reset_password``. Each call is counted per client address
(``registration.max_requests_per_address`` per ``registration.window``) and audited."""

from cloudauth.registration.services import Registration
from cloudauth.users.services import UserService
from common.ratelimit import FixedWindowLimiter


def includeme(config):
    config.include("pyramid_services")
    settings = config.registry["scm.settings"]

    def registration_factory(context, request) -> Registration:
        return Registration(
            request.db,
            request.find_service(UserService),
            FixedWindowLimiter(
                request.cache,
                "registration",
                settings.registration_max_requests_per_address,
                settings.registration_window,
            ),
        )

    config.register_service_factory(registration_factory, Registration)
