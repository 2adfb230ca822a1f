"""Self-registration with email validation, forgotten passwords, the registration whitelist
and its check on a directory user's first login (seed 1.8.2, 1.8.5, 1.8.6; issue 12)."""

from concurrent.futures import ThreadPoolExecutor


def link_to(request, site_url: str):
    """Absolute links for mails: on ``site.url`` (the portal's public root, a path prefix
    included), never on the Host header of the request that asked."""

    def build(route: str, **kw) -> str:
        return site_url + request.route_path(route, **kw)[len(request.script_name) :]

    return build


def includeme(config):
    # Imported here: cloudportal.settings imports this package's settings module, and these
    # need cloudportal.settings complete.
    from cloudportal.clients.cloudauth import ICloudAuth
    from cloudportal.registration.links import MailedLinks
    from cloudportal.registration.mail import MailQueue, SMTPMailer
    from cloudportal.registration.services import Registrations
    from cloudportal.registration.whitelist import Whitelist

    config.include("pyramid_services")
    settings = config.registry["scm.settings"]
    reg = settings.registration
    lifetimes = {"register": reg.link_lifetime, "reset": reg.reset_link_lifetime}
    queue = MailQueue(
        SMTPMailer(reg.mail, settings.site.title),
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="portal-mail"),
    )
    config.registry["scm.portal.mail"] = queue
    config.register_service(queue, MailQueue)
    config.register_service_factory(
        lambda context, request: MailedLinks(request.db, request.now, lifetimes), MailedLinks
    )
    config.register_service_factory(
        lambda context, request: Whitelist(request.db, request.now), Whitelist
    )

    def registrations_factory(context, request) -> Registrations:
        return Registrations(
            reg,
            settings.site.title,
            request.db,
            request.find_service(ICloudAuth),
            request.find_service(MailedLinks),
            lambda to, subject, body: queue.after_commit(request, to, subject, body),
            link_to(request, reg.site_url),
        )

    config.register_service_factory(registrations_factory, Registrations)
    config.scan(".views")
    config.scan(".admin")
