"""A real Cloud Auth (tests/live.py) with users in every role the accountant distinguishes,
each logged in."""

from __future__ import annotations

from dataclasses import dataclass

from tests import live


@dataclass
class Cast:
    url: str
    peer: live.LiveCloudAuth
    headers: dict[str, dict[str, str]]  # who -> X-Auth-Token / X-Auth-Cloudauth-Id
    ids: dict[str, str]  # who -> Cloud Auth user id

    def stop(self) -> None:
        self.peer.close()


def start_cloudauth(db_url: str, cache) -> Cast:
    peer = live.LiveCloudAuth(db_url, cache)
    people = {"admin": peer.admin}
    people["owner"] = peer.user(roles=["account_owner"])
    people["managed1"] = peer.user(owner=people["owner"])
    people["managed2"] = peer.user(owner=people["owner"])
    people["owner2"] = peer.user(roles=["account_owner"])
    people["managed3"] = peer.user(owner=people["owner2"])
    people["plain"] = peer.user()
    people["auditor"] = peer.user(roles=["cloudaccountant_admin"])
    return Cast(
        peer.url,
        peer,
        {who: p.headers for who, p in people.items()},
        {who: p.userid for who, p in people.items()},
    )
