"""Cloud Auth's own declarative base: its tables never mix with another app's."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from common.models import naming_convention


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=naming_convention())
