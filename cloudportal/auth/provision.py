"""First-login setup, the "default SCM resources" of seed 1.8.3/1.8.4: after a directory (LDAP)
or SSO login, the user's system account on every configured controller and, where the portal
manages storage (``scm.storage_mgmt``), its ``$HOME`` volume.

Resumable by construction: every step first reads what exists and only creates what is missing,
so a login that stopped half way (a controller down, the portal restarted between two
controllers) is completed by the next login, and a login that finds everything in place
creates nothing. Each controller is set up on its own: one that is down, or refuses, costs only
its own part, reported to the user as a banner; the login goes on.

Where the system name comes from:

- directory (LDAP) users: the controller names the account itself (``users.driver = ldap``
  takes ``ldap.uname_attr``, else the uid, from the directory): the portal sends no name.
- SSO users: the SAML ``username``, lowercased, the part before any ``@``, when that is a valid
  POSIX name (:func:`sso_system_name`); else nothing is created and the user is told to choose
  one on Manage My Accounts & Groups.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from zope.interface import Interface

from cloudportal.clients.controller import ControllerClient, Controllers
from cloudportal.clients.http import Credentials
from cloudportal.errors import BackendError

# The controllers' own rule (cloudcontroller.accounts.names.UNIX_NAME).
POSIX_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


class IFirstLoginSetup(Interface):
    """Marker for the :class:`FirstLoginSetup` service."""


def sso_system_name(username: str) -> str | None:
    """The system name an SSO user's SAML ``username`` gives, or None when it gives none."""
    name = username.strip().split("@", 1)[0].lower()
    return name if POSIX_NAME.match(name) else None


@dataclass
class SetupReport:
    done: list[str] = field(default_factory=list)  # "system account jdoe on Penguin West"
    problems: list[str] = field(default_factory=list)  # one banner per controller left undone


class FirstLoginSetup:
    def __init__(self, controllers_for: Callable[[Credentials], Controllers], storage_mgmt: bool):
        self.controllers_for, self.storage_mgmt = controllers_for, storage_mgmt

    def ensure(
        self, token: str, userid: str, system_name: str | None, directory_named: bool
    ) -> SetupReport:
        """Make what is missing on every controller, with the user's own token.
        ``directory_named``: the controller names the account (LDAP); else ``system_name``
        (None when the SSO username gives no valid name)."""
        controllers = self.controllers_for(Credentials(token, userid))

        def work(client: ControllerClient) -> list[str]:
            return self._ensure_one(client, userid, system_name, directory_named)

        report = SetupReport()
        for outcome in controllers.each(work):
            if outcome.ok:
                report.done += outcome.value
            else:
                report.problems.append(
                    f"Your setup on {outcome.controller.name} is not complete: "
                    f"{_sentence(outcome.error)} It will be tried again at your next login."
                )
        return report

    def _ensure_one(
        self, client: ControllerClient, userid: str, name: str | None, directory_named: bool
    ) -> list[str]:
        done: list[str] = []
        account = _own_account(client, userid)
        if account is None:
            if not directory_named and name is None:
                raise BackendError(
                    client.name,
                    400,
                    "your sign-in name is not a valid UNIX name; create your system account "
                    "on Manage My Accounts & Groups",
                )
            try:
                account = client.create_system_user(None if directory_named else name)
            except BackendError as exc:
                # 409: a login in another tab made it meanwhile; anything else is a refusal.
                account = _own_account(client, userid) if exc.status == 409 else None
                if account is None:
                    raise
            else:
                done.append(f"system account {account.get('system-name')} on {client.name}")
        if self.storage_mgmt and not client.volumes(userid):
            try:
                client.create_volume(account["user-id"])
            except BackendError as exc:
                if exc.status != 409 or not client.volumes(userid):
                    raise
            else:
                done.append(f"$HOME volume on {client.name}")
        return done


def _own_account(client: ControllerClient, userid: str) -> dict | None:
    return next(
        (u for u in client.system_users_of(userid) if u.get("cloudauth-id") == userid), None
    )


def _sentence(text: str | None) -> str:
    text = (text or "it failed").rstrip()
    return text if text.endswith(".") else text + "."


def includeme(config):
    settings = config.registry["scm.settings"]

    def factory(context, request) -> FirstLoginSetup:
        controllers_for = request.registry["scm.portal.controllers_for"]
        return FirstLoginSetup(lambda creds: controllers_for(request, creds), settings.storage_mgmt)

    config.register_service_factory(factory, IFirstLoginSetup)
