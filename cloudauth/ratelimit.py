"""Failed-login limits, per account and per client address, as fixed windows in the cache."""

from __future__ import annotations

from common.errors import TooManyRequests


class LoginLimiter:
    def __init__(self, cache, per_account: int, per_address: int, window: float):
        self.cache = cache
        self.per_account, self.per_address, self.window = per_account, per_address, window

    @staticmethod
    def _keys(login: str, address: str | None) -> tuple[str, str]:
        return f"loginfail:acct:{login.strip().lower()}", f"loginfail:addr:{address or '-'}"

    def check(self, login: str, address: str | None) -> None:
        account_key, address_key = self._keys(login, address)
        if (self.cache.get(account_key) or 0) >= self.per_account:
            raise TooManyRequests("too many failed logins for this account; try again later")
        if (self.cache.get(address_key) or 0) >= self.per_address:
            raise TooManyRequests("too many failed logins from this address; try again later")

    def failed(self, login: str, address: str | None) -> None:
        for key in self._keys(login, address):
            self.cache.incr(key, self.window)

    def succeeded(self, login: str, address: str | None) -> None:
        self.cache.delete(self._keys(login, address)[0])
