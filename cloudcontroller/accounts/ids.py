"""uid/gid allocation that two controllers sharing one database cannot clash on: each number is
claimed by inserting it as the primary key of ``unix_ids`` (in a savepoint); a duplicate means
another controller took it first, and the next number is tried. Numbers are never given back:
a deleted user's files may still carry its uid."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cloudcontroller.accounts.models import UnixId
from common.errors import Conflict

ATTEMPTS = 50


def claim(db, number: int, kind: str, name: str) -> bool:
    """Claim one given number; False when it is already claimed."""
    try:
        with db.begin_nested():
            db.add(UnixId(number=number, kind=kind, name=name))
            db.flush()
    except IntegrityError:
        return False
    return True


def allocate(db, kind: str, name: str, lo: int, hi: int, taken: set[int]) -> int:
    """The next free number in [lo, hi] not in ``taken`` (ids already on the host), claimed."""
    taken = set(taken)
    for _ in range(ATTEMPTS):
        top = db.scalar(select(func.max(UnixId.number)).where(UnixId.number.between(lo, hi)))
        number = lo if top is None else top + 1
        while number in taken:
            number += 1
        if number > hi:
            raise Conflict(f"no free {kind} id left in {lo}-{hi}")
        if claim(db, number, kind, name):
            return number
        taken.add(number)
    raise Conflict(f"could not allocate a {kind} id; try again")
