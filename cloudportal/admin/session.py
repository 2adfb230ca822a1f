"""The masquerade's session contract (common.md): while masquerading, ``session["masquerade"]``
holds the real (superuser's) identity, a dict with ``userid, email, name, token, roles``; the
top-level keys of the same names are the viewed user's."""

from __future__ import annotations

IDENTITY_KEYS = ("userid", "email", "name", "token", "roles")


def masquerading(session) -> dict | None:
    real = session.get("masquerade")
    return real if isinstance(real, dict) and real.get("token") else None


def begin(session, answer) -> None:
    """Keep the superuser's identity aside and sign the session in as the viewed user."""
    session["masquerade"] = {key: session.get(key) for key in IDENTITY_KEYS}
    session["token"] = answer.token
    session["userid"] = answer.userid
    session["email"] = answer.email
    session["name"] = answer.name
    session["roles"] = list(answer.roles)
    session["must_change_password"] = False


def restore(session) -> dict | None:
    """Back to the superuser's own identity; the viewed user's identity as it was (or None)."""
    real = masquerading(session)
    if real is None:
        return None
    viewed = {key: session.get(key) for key in IDENTITY_KEYS}
    for key in IDENTITY_KEYS:
        session[key] = real.get(key)
    session["must_change_password"] = False  # a superuser with a default password cannot begin
    session.pop("masquerade", None)
    return viewed
