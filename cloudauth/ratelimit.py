"""Failed-login limits that slow guessing down without locking out the rightful user.

Three records, kept in the shared cache (memory or Redis), each counting failures and holding a
"blocked until" time that grows (1 s, 2 s, 4 s ... at most ``login.failure_window``) with every
failure past its free allowance, and forgotten a window after it last blocked or failed:

- per (account, client address): ``login.max_failures_per_account`` free failures. This is the
  one that stops a guesser, and it never touches the owner logging in from elsewhere;
- per account, only once ``login.max_failing_addresses`` distinct addresses have failed on it
  (a guesser spread over many addresses);
- per client address, across accounts: ``login.max_failures_per_address`` free failures
  (one address trying many accounts).

The last two never apply from an address the account has logged in from successfully (kept for
``KNOWN_ADDRESS_TTL``): the owner's usual address is not refused when others attack the account
or share the address. While blocked, the password is not even checked, and the 429 says how long
to wait (``Retry-After``).

An account is keyed by its user id whatever name or email the attempt used, and an unknown name by
its normalised form, so the limits behave the same whether the account exists or not. IPv6 clients
are counted per /64, the block a single host is commonly given.

Counters are read, changed and written back without a lock: parallel failures in a burst may
overwrite each other's count. The delays still grow with every later failure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math
import unicodedata
from dataclasses import dataclass

from common.errors import TooManyRequests

KNOWN_ADDRESS_TTL = 30 * 24 * 3600.0
_EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class LoginLimits:
    free_per_account_address: int
    free_per_address: int
    failing_addresses: int
    window: float


def normalised_login(login: str) -> str:
    """What an unknown login name is keyed by: ``Admin@Site `` and ``admin@site`` are one."""
    return unicodedata.normalize("NFKC", login).strip().casefold()


def address_key(address: str | None) -> str:
    """The unit an address is counted in: the address itself, or its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return address or "-"
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


class LoginLimiter:
    def __init__(self, cache, limits: LoginLimits, now: dt.datetime):
        self.cache, self.limits = cache, limits
        self.now = (now - _EPOCH).total_seconds()

    # -- keys ------------------------------------------------------------------------------

    @staticmethod
    def _digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def _pair_key(self, account: str, address: str) -> str:
        return f"loginlimit:pair:{self._digest(account + chr(0) + address)}"

    def _account_key(self, account: str) -> str:
        return f"loginlimit:acct:{self._digest(account)}"

    def _failing_key(self, account: str) -> str:
        return f"loginlimit:failing:{self._digest(account)}"

    def _known_key(self, account: str) -> str:
        return f"loginlimit:known:{self._digest(account)}"

    def _address_key(self, address: str) -> str:
        return f"loginlimit:addr:{self._digest(address)}"

    # -- records: {"n": failures, "until": blocked until, seconds since the epoch} -----------

    def _read(self, key: str) -> dict:
        record = self.cache.get(key)
        if not isinstance(record, dict) or self.now > record.get("until", 0) + self.limits.window:
            return {"n": 0, "until": 0.0}
        return record

    def _count(self, key: str, free: int) -> None:
        record = self._read(key)
        excess = record["n"] + 1 - free
        delay = min(2.0 ** (excess - 1), self.limits.window) if excess > 0 else 0.0
        until = max(record["until"], self.now + delay)
        record = {"n": record["n"] + 1, "until": until}
        self.cache.set(key, record, until - self.now + self.limits.window + 1)

    def _wait(self, key: str) -> float:
        return max(self._read(key)["until"] - self.now, 0.0)

    # -- the contract --------------------------------------------------------------------------

    def check(self, account: str, address: str | None) -> None:
        """:class:`TooManyRequests` (with ``retry_after``) while any limit that applies blocks."""
        address = address_key(address)
        waits = [(self._wait(self._pair_key(account, address)), "for this account from here")]
        if address not in self.cache.smembers(self._known_key(account)):
            waits.append(
                (self._wait(self._account_key(account)), "for this account from many addresses")
            )
            waits.append((self._wait(self._address_key(address)), "from this address"))
        wait, reason = max(waits)
        if wait > 0:
            seconds = math.ceil(wait)
            raise TooManyRequests(
                f"too many failed logins {reason}; try again in {seconds} second"
                f"{'s' if seconds != 1 else ''}",
                retry_after=seconds,
            )

    def failed(self, account: str, address: str | None) -> None:
        address = address_key(address)
        limits = self.limits
        self._count(self._pair_key(account, address), limits.free_per_account_address)
        self._count(self._address_key(address), limits.free_per_address)
        failing_key = self._failing_key(account)
        failing = self.cache.smembers(failing_key)
        if len(failing) < limits.failing_addresses and address not in failing:
            # Bounded: past the threshold nothing more needs remembering.
            self.cache.sadd(failing_key, address, limits.window)
            failing.add(address)
        if len(failing) >= limits.failing_addresses:
            self._count(self._account_key(account), 0)

    def succeeded(self, account: str, address: str | None) -> None:
        address = address_key(address)
        self.cache.delete(self._pair_key(account, address))
        self.cache.sadd(self._known_key(account), address, KNOWN_ADDRESS_TTL)
