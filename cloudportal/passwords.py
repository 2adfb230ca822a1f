"""The checks a new password gets in the portal before Cloud Auth sees it (Cloud Auth applies
its own rules too, and its refusal is shown beside the field)."""

from __future__ import annotations

from cloudportal.forms import Form

MIN_LENGTH = 8


def check_new_password(form: Form, field: str, confirm: str) -> None:
    new = form.secret(field)
    if not new:
        return
    if len(new) < MIN_LENGTH:
        form.error(field, f"Use at least {MIN_LENGTH} characters.")
    elif form.secret(confirm) != new:
        form.error(confirm, "The two passwords differ.")
