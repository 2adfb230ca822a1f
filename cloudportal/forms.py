"""Forms: typed values kept for the next render (never a password), an error beside each field,
and a backend's refusal in plain words."""

from __future__ import annotations

import re

from cloudportal.errors import BackendError

MAX_FIELD = 4096
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")


class Form:
    def __init__(self, request, fields: tuple[str, ...], secret: tuple[str, ...] = ()):
        self.values: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.message: str | None = None  # an error about the whole form
        self._secret = {}
        if request.method != "POST":
            return
        for name in fields + secret:
            raw = request.POST.get(name, "")
            value = raw if isinstance(raw, str) else ""
            if len(value) > MAX_FIELD or "\x00" in value:
                self.errors[name] = "This value is too long or contains invalid characters."
                value = ""
            if name in secret:
                self._secret[name] = value
            else:
                self.values[name] = value.strip()

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")

    def secret(self, name: str) -> str:
        return self._secret.get(name, "")

    def value(self, name: str) -> str:
        """What to show in the field again (never a secret)."""
        return self.values.get(name, "")

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def require(self, *names: str, label: dict | None = None) -> None:
        for name in names:
            if not (self.values.get(name) or self._secret.get(name)):
                self.error(name, "This field is required.")

    def refused(self, exc: BackendError, field: str | None = None) -> None:
        """A backend's refusal: beside ``field`` when it is about one, else above the form."""
        text = exc.message[:1].upper() + exc.message[1:]
        if not text.endswith("."):
            text += "."
        if field:
            self.error(field, text)
        else:
            self.message = text

    @property
    def ok(self) -> bool:
        return not self.errors and self.message is None
