"""Reading request parameters with clear 400s (missing, malformed, too long, not UTF-8), and the one
bounded parser for path ids, integers and dates (404 for an id that cannot exist)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import unquote_to_bytes

from common.errors import BadRequest, NotFound
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
        number = parse_int(value, minimum=-INT64_MAX)
        if number is None and not value.strip().lstrip("-").isdigit():
            raise BadRequest(f"parameter {name} must be a whole number")
        if number is None or not minimum <= number <= maximum:
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


# --- One bounded parser for every id, integer and date that reaches a service --------------
#
# Path ids and query values are parsed here, never with a bare int() or fromisoformat() in a
# view: a value that cannot name an object is a 404 (path) or 400 (parameter) before any
# database or backend call, and nothing unbounded reaches SQL or an OpenStack URL.

INT64_MAX = 2**63 - 1
# Dates a usage query can mean: wide enough for any real range, narrow enough that adding a day
# (or a time zone's offset) to either end never leaves Python's date range.
FIRST_DATE = dt.date(1970, 1, 1)
LAST_DATE = dt.date(9000, 12, 31)
_INT = re.compile(r"^[0-9]{1,19}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}$")
# An OpenStack resource id (flavor ids may be any short name): letters, digits, '-', '_', '.',
# but never a path segment of its own ('.', '..').
_OPENSTACK_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}$")


def parse_int(text, *, minimum: int = 0, maximum: int = INT64_MAX) -> int | None:
    """The whole number `text` spells within [minimum, maximum], or None."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        number = text
    elif isinstance(text, str) and _INT.match(text.strip()):
        number = int(text.strip())
    else:
        return None
    return number if minimum <= number <= maximum else None


def path_int(request, name: str, what: str, *, minimum: int = 1, maximum: int = INT64_MAX) -> int:
    """An integer id from the URL path; anything else names no object: 404."""
    raw = request.matchdict.get(name, "")
    number = parse_int(raw, minimum=minimum, maximum=maximum)
    if number is None:
        raise NotFound(f"no {what} {_shown(raw)}")
    return number


def path_uuid(request, name: str, what: str) -> str:
    """A UUID id from the URL path (SCM's own ids), canonical lower-case with dashes; else 404."""
    raw = request.matchdict.get(name, "")
    if not isinstance(raw, str) or not _UUID.match(raw):
        raise NotFound(f"no {what} {_shown(raw)}")
    return str(uuid.UUID(raw))


def is_openstack_id(value) -> bool:
    return isinstance(value, str) and bool(_OPENSTACK_ID.match(value)) and value not in (".", "..")


def path_openstack_id(request, name: str, what: str) -> str:
    """An OpenStack id from the URL path, checked before it goes into a backend URL; else 404."""
    raw = request.matchdict.get(name, "")
    if not is_openstack_id(raw):
        raise NotFound(f"no {what} {_shown(raw)}")
    return raw


def parse_date(text, name: str) -> dt.date:
    """A YYYY-MM-DD parameter within [FIRST_DATE, LAST_DATE]; else a 400 naming it."""
    value = text.strip() if isinstance(text, str) else ""
    try:
        if not _DATE.match(value):
            raise ValueError
        day = dt.date.fromisoformat(value)
    except ValueError:
        shown = _shown(text)
        raise BadRequest(f"parameter {name} must be a date YYYY-MM-DD, not {shown}") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise BadRequest(f"parameter {name} must be between {FIRST_DATE} and {LAST_DATE}")
    return day


def _shown(value) -> str:
    text = value if isinstance(value, str) else repr(value)
    return repr(text[:40] + ("..." if len(text) > 40 else ""))
