"""The registration whitelist (seed 1.8.6): exact addresses (``ann@example.edu``) and whole
domains (``@example.edu``: every address whose domain is exactly ``example.edu``, not its
subdomains). :func:`allows` is the one check; every workflow calls it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cloudportal.models import WhitelistEntry

MAX_LINES = 1000
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9\-]{1,63}(?<!-)$")


class BadEntry(ValueError):
    """A whitelist line that is neither an address nor a domain; the message says why."""


def _domain(text: str) -> str:
    domain = text.lower().rstrip(".")
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(x) for x in labels):
        raise BadEntry(f"{text!r} is not a domain name like example.edu")
    return domain


def parse_entry(text: str) -> str:
    """The stored form of one entry (lower-cased), or :class:`BadEntry`."""
    text = text.strip()
    if not text:
        raise BadEntry("the line is empty")
    if any(c.isspace() for c in text) or len(text) > 254:
        raise BadEntry(f"{text[:60]!r} is not one address or domain (one per line)")
    if text.count("@") != 1:
        raise BadEntry(
            f"{text!r} is neither an address (ann@example.edu) nor a domain (@example.edu)"
        )
    local, domain = text.split("@")
    if local and not _LOCAL.match(local):
        raise BadEntry(f"{text!r}: the part before @ is not a valid mailbox name")
    return f"{local.lower()}@{_domain(domain)}" if local else f"@{_domain(domain)}"


def allows(dbsession: Session, address: str) -> bool:
    """Whether ``address`` may register: its exact entry or its domain's is on the list."""
    address = (address or "").strip().lower()
    if address.count("@") != 1 or address.startswith("@"):
        return False
    domain = "@" + address.split("@")[1]
    found = dbsession.scalar(
        select(WhitelistEntry.id).where(WhitelistEntry.entry.in_((address, domain))).limit(1)
    )
    return found is not None


@dataclass(frozen=True)
class AddResult:
    added: list[str]
    already: list[str]
    errors: list[tuple[int, str, str]]  # line number, the line, what is wrong


@dataclass(frozen=True)
class Page:
    entries: list[WhitelistEntry]
    total: int
    page: int
    pages: int


class Whitelist:
    """Manage the list (the superuser's Manage Whitelist page)."""

    def __init__(self, db: Session, now: dt.datetime):
        self.db, self.now = db, now

    def page(self, search: str = "", page: int = 1, per_page: int = 50) -> Page:
        stmt = select(WhitelistEntry)
        if search:
            escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(WhitelistEntry.entry.like(f"%{escaped}%", escape="\\"))
        total = self.db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        rows = self.db.scalars(
            stmt.order_by(WhitelistEntry.entry).offset((page - 1) * per_page).limit(per_page)
        )
        return Page(list(rows), total, page, pages)

    def add_lines(self, text: str, added_by: str) -> AddResult:
        """Every line checked; nothing is added unless all lines are good (a list pasted with
        one typo is fixed and sent again whole). Blank lines are skipped."""
        lines = text.splitlines()
        if len(lines) > MAX_LINES:
            return AddResult([], [], [(0, "", f"at most {MAX_LINES} lines at once")])
        wanted, errors = [], []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = parse_entry(line)
            except BadEntry as exc:
                errors.append((number, line.strip()[:80], str(exc)))
                continue
            if entry not in wanted:
                wanted.append(entry)
        if errors or not wanted:
            return AddResult([], [], errors or [(0, "", "give at least one address or domain")])
        existing = set(
            self.db.scalars(select(WhitelistEntry.entry).where(WhitelistEntry.entry.in_(wanted)))
        )
        added = [e for e in wanted if e not in existing]
        for entry in added:
            self.db.add(WhitelistEntry(entry=entry, added_by=added_by[:254], added_at=self.now))
        self.db.flush()
        return AddResult(added, sorted(existing), [])

    def remove(self, entry_ids: list[int]) -> list[str]:
        """The entries removed (ids that are gone already are ignored)."""
        if not entry_ids:
            return []
        gone = list(
            self.db.scalars(select(WhitelistEntry.entry).where(WhitelistEntry.id.in_(entry_ids)))
        )
        self.db.execute(delete(WhitelistEntry).where(WhitelistEntry.id.in_(entry_ids)))
        self.db.flush()
        return gone
