"""The Cloud Controller's own declarative base: its tables never mix with another app's. The
naming convention, table options and clock are every app's (``common.models``)."""

from __future__ import annotations

import uuid

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from common.models import TABLE_ARGS, naming_convention, utcnow
from common.params import path_uuid

__all__ = ["TABLE_ARGS", "Base", "path_id", "utcnow"]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=naming_convention())


def path_id(request, name: str, what: str) -> str:
    """A controller id (a UUID as 32 hex digits) from the URL path, through the shared bounded
    parser: anything else names nothing, 404 before any lookup."""
    return uuid.UUID(path_uuid(request, name, what)).hex
