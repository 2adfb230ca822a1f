"""Self-registration with email validation, forgotten passwords, the registration whitelist
and its check on a directory user's first login (seed 1.8.2, 1.8.5, 1.8.6; issue 12)."""

from concurrent.futures import ThreadPoolExecutor

from cloudportal.registration.links import MailedLinks
from cloudportal.registration.mail import MailQueue, SMTPMailer
from cloudportal.registration.whitelist import Whitelist


def includeme(config):
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
    config.scan(".views")
    config.scan(".admin")
