"""Reading request parameters with clear 400s: missing, malformed, too long, not UTF-8."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from common.errors import BadRequest
from common.settings import FALSE_WORDS, TRUE_WORDS

MAX_LENGTH = 4096
FORM = "application/x-www-form-urlencoded"


class Params:
    """Form fields (POST) or query fields (GET), as Cloud Auth's API takes them."""

    def __init__(self, request):
        try:
            if request.method == "POST" and request.content_type == FORM:
                # WebOb would quietly turn bad bytes into U+FFFD; refuse them instead.
                unquote_to_bytes(request.body.replace(b"+", b" ")).decode("utf-8")
            self._multi = request.POST if request.method == "POST" else request.GET
            self._multi.items()  # force decoding now, inside the try
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("parameters must be UTF-8, URL-encoded form fields") from None

    def optional(self, name: str, max_length: int = MAX_LENGTH) -> str | None:
        values = self._multi.getall(name)
        if not values:
            return None
        if len(values) > 1:
            raise BadRequest(f"parameter {name} was given more than once")
        value = values[0]
        if not isinstance(value, str):
            raise BadRequest(f"parameter {name} must be text")
        if len(value) > max_length:
            raise BadRequest(f"parameter {name} is longer than {max_length} characters")
        if "\x00" in value:
            raise BadRequest(f"parameter {name} contains a NUL character")
        return value

    def required(self, name: str, max_length: int = MAX_LENGTH) -> str:
        value = self.optional(name, max_length)
        if value is None or not value.strip():
            raise BadRequest(f"parameter {name} is required")
        return value

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.optional(name, 8)
        if value is None:
            return default
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise BadRequest(f"parameter {name} must be true or false")

    def int(
        self, name: str, default: int | None = None, minimum: int = 0, maximum: int = 2**31
    ) -> int:
        value = self.optional(name, 12)
        if value is None or not value.strip():
            if default is None:
                raise BadRequest(f"parameter {name} is required")
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise BadRequest(f"parameter {name} must be a whole number") from None
        if not minimum <= number <= maximum:
            raise BadRequest(f"parameter {name} must be between {minimum} and {maximum}")
        return number

    def all(self, name: str, max_length: int = 64) -> list[str]:
        values = self._multi.getall(name)
        for value in values:
            if not isinstance(value, str) or len(value) > max_length or "\x00" in value:
                raise BadRequest(f"parameter {name} has a malformed value")
        return [v for v in values if v.strip()]

    def present(self, name: str) -> bool:
        return name in self._multi
