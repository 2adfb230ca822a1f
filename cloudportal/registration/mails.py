"""What the portal mails: plain words, the link on a line of its own, no account state that
the page did not already show to whoever asked."""

from __future__ import annotations


def _hours(seconds: float) -> str:
    if seconds < 3600:
        minutes = max(1, round(seconds / 60))
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(seconds / 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"


FOOTER = "\n\nIf you did not ask for this, ignore this message: nothing changes.\n"


def registration_link(site: str, link: str, lifetime: float) -> tuple[str, str]:
    return (
        f"{site}: confirm your email address",
        f"Someone (we hope you) asked to register for {site} with this address.\n\n"
        f"To choose your name and password, open this link within {_hours(lifetime)}:\n\n"
        f"{link}\n\nThe link works once." + FOOTER,
    )


def already_registered(site: str, login: str, forgot: str) -> tuple[str, str]:
    return (
        f"{site}: you already have an account",
        f"Someone (we hope you) asked to register for {site} with this address, but an "
        f"account with this address already exists.\n\nLog in here:\n\n{login}\n\n"
        f"If you forgot your password, ask for a new one here:\n\n{forgot}" + FOOTER,
    )


def directory_account(site: str, login: str) -> tuple[str, str]:
    return (
        f"{site}: your account is your site account",
        f"Someone (we hope you) asked {site} about this address. Your account is your "
        "site's own (LDAP or single sign-on) account: log in with its username and password, "
        "and change or recover that password with your site's password service (your IT "
        f"help desk knows where it is). {site} cannot change it.\n\nLog in here:\n\n{login}"
        + FOOTER,
    )


def reset_link(site: str, link: str, lifetime: float) -> tuple[str, str]:
    return (
        f"{site}: choose a new password",
        f"Someone (we hope you) asked for a new password for your {site} account.\n\n"
        f"To choose one, open this link within {_hours(lifetime)}:\n\n{link}\n\n"
        "The link works once. Choosing a new password logs you out everywhere." + FOOTER,
    )


def deactivated(site: str) -> tuple[str, str]:
    return (
        f"{site}: your account is deactivated",
        f"Someone (we hope you) asked for a new password for your {site} account. The "
        "account is deactivated, so no password was sent; ask your site's administrator "
        "to reactivate it." + FOOTER,
    )


def superuser(site: str) -> tuple[str, str]:
    return (
        f"{site}: the superuser's password",
        f"Someone asked for a new password for the {site} superuser account. The superuser's "
        "password is never reset by mail: the operator sets it on the Cloud Auth host with "
        "cloudauth-set-password." + FOOTER,
    )
