"""Outgoing mail: one interface, one real driver (SMTP with STARTTLS or TLS and login, from
``mail.*``). Mail goes out after the request's transaction commits, from a small pool of
threads, so a page never waits on (or reveals anything through) the mail server."""

from __future__ import annotations

import logging
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from zope.interface import Interface

from cloudportal.registration.settings import MailSettings

log = logging.getLogger("scm.cloudportal.mail")


class IMailer(Interface):
    """``send(to, subject, body)``: deliver one plain-text message or raise
    :class:`MailFailed`."""


class MailFailed(Exception):
    pass


class SMTPMailer:
    def __init__(self, settings: MailSettings, sender_name: str):
        self.settings, self.sender_name = settings, sender_name

    def message(self, to: str, subject: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = formataddr((self.sender_name, self.settings.sender))
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(domain=self.settings.sender.split("@")[1])
        msg.set_content(body)
        return msg

    def send(self, to: str, subject: str, body: str) -> None:
        s = self.settings
        cafile = s.verify_tls if isinstance(s.verify_tls, str) else None
        context = ssl.create_default_context(cafile=cafile)
        if s.verify_tls is False:  # the operator's explicit choice (mail.verify_tls = false)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            if s.ssl:
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                if s.starttls:
                    client.starttls(context=context)
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(self.message(to, subject, body))
        except (OSError, smtplib.SMTPException) as exc:
            raise MailFailed(f"{type(exc).__name__}: {exc}") from None


class MailQueue:
    """Sends after the commit, off the request thread; a failure is logged (never the body:
    it holds a link)."""

    def __init__(self, mailer, pool: ThreadPoolExecutor):
        self.mailer, self.pool = mailer, pool

    def _send(self, to: str, subject: str, body: str) -> None:
        try:
            self.mailer.send(to, subject, body)
            log.info("mail sent: %r", subject)
        except MailFailed as exc:
            log.error("mail to a registration address could not be sent: %s", exc)
        except Exception:  # a bug must not kill the pool's thread silently
            log.exception("mail could not be sent")

    def after_commit(self, request, to: str, subject: str, body: str) -> None:
        def hook(committed: bool) -> None:
            if committed:
                self.pool.submit(self._send, to, subject, body)

        request.tm.get().addAfterCommitHook(hook)
