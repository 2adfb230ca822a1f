"""CSV written as it is read: a response whose body is a generator of encoded lines."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator

from pyramid.response import Response

from common.envelope import utc_text

# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): job names, queues and
# accounts are whatever a user typed.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    writer.writerow(header)
    yield flush()
    for count, row in enumerate(rows, 1):
        writer.writerow([cell(v) for v in row])
        if count % 500 == 0:  # a few kB per chunk, not one write per row
            yield flush()
    yield flush()


def csv_response(request, filename: str, body: Iterator[bytes]) -> Response:
    """``filename`` is the service's own constant, never user input."""
    response = Response(content_type="text/csv", charset="utf-8")
    response.content_disposition = f'attachment; filename="{filename}"'
    response.app_iter = body
    return response
