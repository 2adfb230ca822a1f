"""The registration service: what happens when a visitor asks for a registration or a reset
link, and when they come back with it. Views parse forms and turn the outcomes below into
pages; this class holds the rules (whitelist, which mail for which kind of account, single-use
links) and talks to Cloud Auth, the link store and the outgoing mail through its collaborators."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from cloudportal.clients.cloudauth import CloudAuthClient
from cloudportal.errors import BackendError, BackendUnavailable
from cloudportal.models import MailedLink
from cloudportal.registration import mails
from cloudportal.registration.links import MailedLinks
from cloudportal.registration.settings import RegistrationSettings
from cloudportal.registration.whitelist import allows


class NotListed(Exception):
    """The address is not on the registration whitelist (``registration.type = whitelist``)."""


class AlreadyRegistered(Exception):
    """An account with the link's address exists (created since the link was mailed)."""


class AccountChanged(Exception):
    """A reset link's account can no longer take a new password here (removed, deactivated,
    moved to the directory); the message says which."""


# (to, subject, body): sent after the request's transaction commits
Send = Callable[[str, str, str], None]
# (route name, route arguments) -> an absolute link on site.url
LinkTo = Callable[..., str]


class Registrations:
    def __init__(
        self,
        settings: RegistrationSettings,
        site_title: str,
        db: Session,
        cloudauth: CloudAuthClient,
        links: MailedLinks,
        send: Send,
        link_to: LinkTo,
    ):
        self.settings, self.site = settings, site_title
        self.db, self.cloudauth, self.links = db, cloudauth, links
        self.send, self.link_to = send, link_to

    def _mail(self, to: str, subject_body: tuple[str, str]) -> None:
        self.send(to, *subject_body)

    def _check_listed(self, email: str) -> None:
        if self.settings.whitelist and not allows(self.db, email):
            raise NotListed(email)

    # -- registration ----------------------------------------------------------------------
    def ask_to_register(self, email: str, client_address: str | None) -> None:
        """Mail ``email`` a registration link, or (it has an account) a note saying so.
        :class:`NotListed`; Cloud Auth's refusals and outages as the client raises them."""
        self._check_listed(email)
        status = self.cloudauth.account_status(email, client_address)
        if status["kind"] == "none":
            token = self.links.issue("register", email)
            link = self.link_to("register.complete", token=token)
            self._mail(email, mails.registration_link(self.site, link, self.settings.link_lifetime))
        elif status["kind"] == "directory":
            self._mail(email, mails.directory_account(self.site, self.link_to("login")))
        else:
            login, forgot = self.link_to("login"), self.link_to("password_forgot")
            self._mail(email, mails.already_registered(self.site, login, forgot))

    def register(
        self, token: str, name: str, password: str, client_address: str | None
    ) -> MailedLink:
        """Create the account of a live registration link (used up by it). :class:`LinkRefused`,
        :class:`NotListed`, :class:`AlreadyRegistered`; on Cloud Auth's refusal of the values
        or an outage the link stays usable and the error propagates."""
        link = self.links.claim("register", token)
        try:
            self._check_listed(link.email)
            self.cloudauth.register(
                link.email, name, password, self.settings.default_user_role, client_address
            )
        except BackendError as exc:
            if exc.status == 409:
                self.links.retire_others(link)
                raise AlreadyRegistered(link.email) from None
            self.links.release(link)
            raise
        except (NotListed, BackendUnavailable):
            self.links.release(link)
            raise
        self.links.retire_others(link)
        return link

    # -- forgotten passwords -------------------------------------------------------------------
    def ask_to_reset(self, email: str, client_address: str | None) -> None:
        """Mail a reset link to a local, active account; a note to any other account; nothing
        to an address without one."""
        status = self.cloudauth.account_status(email, client_address)
        kind = status["kind"]
        if kind == "local" and status["active"]:
            token = self.links.issue("reset", email)
            link = self.link_to("password_reset", token=token)
            lifetime = self.settings.reset_link_lifetime
            self._mail(email, mails.reset_link(self.site, link, lifetime))
        elif kind == "local":
            self._mail(email, mails.deactivated(self.site))
        elif kind == "directory":
            self._mail(email, mails.directory_account(self.site, self.link_to("login")))
        elif kind == "superuser":
            self._mail(email, mails.superuser(self.site))

    def reset_password(self, token: str, password: str, client_address: str | None) -> None:
        """Set the password of a live reset link's account (every token of it is revoked).
        :class:`LinkRefused`, :class:`AccountChanged`; a password Cloud Auth refuses (400) or
        an outage leaves the link usable and propagates."""
        link = self.links.claim("reset", token)
        try:
            self.cloudauth.reset_password(link.email, password, client_address)
        except BackendError as exc:
            if exc.status != 400:
                raise AccountChanged(exc.message) from None
            self.links.release(link)
            raise
        except BackendUnavailable:
            self.links.release(link)
            raise
        self.links.retire_others(link)
