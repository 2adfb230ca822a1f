"""JSON request bodies (the controller's POST and PUT), read with clear 400s: not JSON, not an
object, not UTF-8, wrong types, overlong text."""

from __future__ import annotations

from typing import Any

from common.errors import BadRequest

MAX_TEXT = 4096
# No body the controller takes nests deeper than a few levels; a deeper one is refused before
# anything walks it (and JSON nested ~1,000 deep makes the parser itself recurse too far).
MAX_DEPTH = 32
TOO_DEEP = f"the request body must not nest deeper than {MAX_DEPTH} levels"


class Body:
    def __init__(self, request):
        if not request.body:
            self.data: dict[str, Any] = {}
            return
        try:
            data = request.json_body
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the request body must be a JSON object") from None
        except RecursionError:
            raise BadRequest(TOO_DEEP) from None
        if _depth(data) > MAX_DEPTH:
            raise BadRequest(TOO_DEEP)
        if not isinstance(data, dict):
            raise BadRequest("the request body must be a JSON object")
        self.data = data

    def present(self, name: str) -> bool:
        return name in self.data

    def optional_str(self, name: str, max_length: int = 255) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise BadRequest(f"{name} must be a string")
        if len(value) > max_length or "\x00" in value:
            raise BadRequest(f"{name} must be at most {max_length} characters, without NUL")
        return value.strip()

    def str(self, name: str, max_length: int = 255) -> str:
        value = self.optional_str(name, max_length)
        if not value:
            raise BadRequest(f"{name} is required")
        return value

    def optional_int(self, name: str, minimum: int = 0, maximum: int = 2**62) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRequest(f"{name} must be a whole number")
        if not minimum <= value <= maximum:
            raise BadRequest(f"{name} must be between {minimum} and {maximum}")
        return value

    def str_list(self, name: str, max_items: int = 1000, max_length: int = MAX_TEXT) -> list[str]:
        value = self.data.get(name, [])
        if not isinstance(value, list) or len(value) > max_items:
            raise BadRequest(f"{name} must be a list of at most {max_items} strings")
        for item in value:
            if not isinstance(item, str) or len(item) > max_length or "\x00" in item:
                raise BadRequest(f"{name} must be a list of strings of at most {max_length} chars")
        return value


def _depth(value: Any) -> int:
    """How deep containers nest in ``value``, without recursion (1 for a flat object)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest
