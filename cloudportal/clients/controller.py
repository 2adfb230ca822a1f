"""One cloud controller (``cloudcon.<id>``), as the portal uses it. JSON bodies in, the
envelope's ``data`` out (shared/API.md). Every id that goes into a URL was checked by the view
(``common.params``) or came from the controller itself."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from zope.interface import Interface

from cloudportal.clients.http import BackendHTTP
from cloudportal.errors import BackendError, BackendUnavailable, SessionEnded
from cloudportal.settings import CloudController
from common.cache import Cache


class IControllers(Interface):
    """Marker for the per-request service holding a client per configured controller."""


# VM types and images change rarely (an operator's act), yet every page listing nodes needs them:
# kept per user (the images are "what the requester may use") for this long.
CHOICES_TTL = 60.0
# The caller's own system account on a controller: made once, changed through this portal (which
# drops the copy), needed by every login-nodes page. Only an account that exists is kept: one made
# elsewhere (the API, a first LDAP login) shows at once; one removed elsewhere shows for at most
# this long, and the controller refuses what it can no longer do.
OWN_ACCOUNT_TTL = 60.0


class ControllerClient:
    def __init__(
        self,
        config: CloudController,
        http: BackendHTTP,
        cache: Cache | None = None,
        userid: str | None = None,
    ):
        self.config, self.http = config, http
        self.cache, self.userid = cache, userid

    def _cached(self, name: str, path: str) -> Any:
        if self.cache is None or not self.userid:
            return self._get(path)
        key = self._key(name)
        value = self.cache.get(key)
        if value is None:
            value = self._get(path)  # a refusal or failure raises: never cached
            self.cache.set(key, value, CHOICES_TTL)
        return value

    def held(self, name: str) -> Any:
        """The portal's copy of a cached answer (``flavors``, ``images``, ``own-account``), or
        None: no backend call either way."""
        if self.cache is None or not self.userid:
            return None
        value = self.cache.get(self._key(name))
        if value is not None and name == "own-account":
            return [value]  # the shape of own_system_account
        return value

    def _key(self, name: str) -> str:
        """A cache key of this controller and the signed-in user: one user's copy is never
        another's."""
        return f"portal:choices:{self.config.id}:{self.userid}:{name}"

    @property
    def id(self) -> int:
        return self.config.id

    @property
    def name(self) -> str:
        return self.config.name

    def _get(self, path: str, **params) -> Any:
        return self.http.call("GET", path, params=params or None)["data"]

    # -- server-instances ----------------------------------------------------------------
    def instances(self) -> list[dict]:
        return self._get("/server-instance")

    def instances_page(
        self, *, search: str, sort: str, descending: bool, offset: int, limit: int
    ) -> tuple[int, list[dict]]:
        """One sorted page of the instances the caller sees, and how many match in all."""
        params = {
            "sort": sort,
            "order": "desc" if descending else "asc",
            "offset": str(offset),
            "limit": str(limit),
        }
        if search:
            params["search"] = search
        body = self.http.call("GET", "/server-instance", params=params)
        return int(body.get("total", 0)), body["data"]

    def live_instances(self, limit: int | None) -> tuple[int, list[dict]]:
        """The caller's live (not DELETED) instances, newest first: the first ``limit`` of them,
        or all (``None``), and how many there are in all."""
        params = {"deleted": "false"}
        if limit is None:
            items = self._get("/server-instance", **params)
            # The plain listing is in creation order; an older controller may ignore "deleted".
            items = [i for i in reversed(items) if i.get("status") != "DELETED"]
            return len(items), items
        params.update(sort="creation-date", order="desc", limit=str(limit))
        body = self.http.call("GET", "/server-instance", params=params)
        return int(body.get("total", 0)), body["data"]

    def instance(self, instance_id: str) -> dict:
        return self._get(f"/server-instance/{instance_id}")

    def create_instance(self, flavor: str, image: str) -> dict:
        body = {"server-flavor": flavor, "server-image": image}
        return self.http.call("POST", "/server-instance", json=body)["data"]

    def power(self, instance_id: str, action: str) -> dict:
        return self.http.call("PUT", f"/server-instance/{instance_id}", json={"power": action})[
            "data"
        ]

    def set_instance_users(self, instance_id: str, grants: list[dict]) -> dict:
        return self.http.call("PUT", f"/server-instance/{instance_id}", json={"users": grants})[
            "data"
        ]

    def delete_instance(self, instance_id: str) -> dict:
        return self.http.call("DELETE", f"/server-instance/{instance_id}")["data"]

    def flavors(self) -> list[dict]:
        return self._cached("flavors", "/server-flavor")

    def images(self) -> list[dict]:
        return self._cached("images", "/server-image")

    # -- system accounts, keys, groups, $HOME --------------------------------------------
    def system_users(self) -> list[dict]:
        """Every system account the caller sees: their own and their managed users'."""
        return self._get("/user")

    def own_system_account(self) -> list[dict]:
        """The caller's own system account on this controller, as a list of at most one (the
        shape of ``system_users``): from the portal's cache when it was seen in the last
        ``OWN_ACCOUNT_TTL`` seconds, else from ``GET /user`` (and kept when it exists).
        For a caller who manages nobody, that listing holds exactly their own account."""
        if self.cache is None or not self.userid:
            return self._own(self.system_users())
        key = self._key("own-account")
        cached = self.cache.get(key)
        if cached:
            return [cached]
        mine = self._own(self.system_users())
        if mine:
            self.cache.set(key, mine[0], OWN_ACCOUNT_TTL)
        return mine

    def _own(self, accounts: list[dict]) -> list[dict]:
        return [a for a in accounts if a.get("cloudauth-id") == self.userid][:1]

    def forget_own_account(self) -> None:
        if self.cache is not None and self.userid:
            self.cache.delete(self._key("own-account"))

    def system_users_of(self, cloudauth_id: str) -> list[dict]:
        """The system account(s) of one Cloud Auth user (at most one per controller)."""
        return self._get("/user", **{"cloudauth-id": cloudauth_id})

    def create_system_user(self, system_name: str | None) -> dict:
        """``system_name`` None: the controller names it (users.driver = ldap: the directory's)."""
        body = {"system-name": system_name} if system_name else {}
        try:
            return self.http.call("POST", "/user", json=body)["data"]
        finally:
            self.forget_own_account()

    def set_ssh_keys(self, user_id: str, keys: list[str]) -> dict:
        try:
            return self.http.call("PUT", f"/user/{user_id}", json={"ssh-public-keys": keys})["data"]
        finally:
            self.forget_own_account()

    def volumes(self, cloudauth_id: str) -> list[dict]:
        return self._get("/storage-volume", **{"cloudauth-id": cloudauth_id})

    def create_volume(self, user_id: str) -> dict:
        return self.http.call("POST", "/storage-volume", json={"user-id": user_id})["data"]

    def groups(self) -> list[dict]:
        return self._get("/group")

    def create_group(self, name: str, members: list[str]) -> dict:
        body = {"group-name": name, "group-members": members}
        return self.http.call("POST", "/group", json=body)["data"]

    def set_group_members(self, group_id: str, members: list[str]) -> dict:
        return self.http.call("PUT", f"/group/{group_id}", json={"group-members": members})["data"]

    def delete_group(self, group_id: str) -> None:
        self.http.call("DELETE", f"/group/{group_id}")


@dataclass
class Outcome:
    """One controller's part of a page: its value, or why it is missing."""

    controller: ControllerClient
    value: Any = None
    error: str | None = None  # shown in the controller's banner

    @property
    def ok(self) -> bool:
        return self.error is None


class Controllers:
    """The configured controllers, called independently: one that is down or slow costs only
    its own part of the page."""

    def __init__(self, clients: list[ControllerClient], pool: ThreadPoolExecutor):
        self.clients, self.pool = clients, pool

    def get(self, cc_id: int) -> ControllerClient | None:
        return next((c for c in self.clients if c.id == cc_id), None)

    def each(self, work: Callable[[ControllerClient], Any]) -> list[Outcome]:
        """``work(client)`` on every controller at once; a controller's failure becomes its
        banner. A token refused anywhere still ends the session (raised after all return)."""

        def run(client):
            try:
                return Outcome(client, work(client))
            except SessionEnded:
                raise
            except BackendUnavailable as exc:
                return Outcome(client, error=f"{client.name} is unreachable: {exc.reason}.")
            except BackendError as exc:
                return Outcome(client, error=f"{client.name} refused: {exc.message}")

        if len(self.clients) == 1:
            return [run(self.clients[0])]
        futures = [self.pool.submit(run, c) for c in self.clients]
        return [f.result() for f in futures]

    def gather(
        self,
        calls: dict[str, Callable[[ControllerClient], Any]],
        then: Callable[[Outcome], None] | None = None,
    ) -> list[Outcome]:
        """Several independent reads from every controller, all at once (a page's time is
        its slowest call, not their sum); each outcome's value is a dict by call name.

        ``then(outcome)``: run for each controller as soon as all its calls have answered (or
        one failed), on the thread that received its last answer: a page builds one
        controller's part while it still waits for another's.

        A call with a ``peek(client)`` (a :class:`Cached` one) whose answer the portal already
        holds is answered on this thread: handing it to a worker would cost more than it does.
        The first call that must reach a controller runs on this thread too, the others in
        the pool, so a page with one call per controller uses one worker per extra controller.
        A token refused anywhere still ends the session, raised once every call has returned."""

        def run(job):
            client, name, fn = job
            try:
                return client, name, fn(client), None
            except SessionEnded:
                raise
            except BackendUnavailable as exc:
                return client, name, None, f"{client.name} is unreachable: {exc.reason}."
            except BackendError as exc:
                return client, name, None, f"{client.name} refused: {exc.message}"

        outcomes = {c.id: Outcome(c, {}) for c in self.clients}
        waiting = {c.id: len(calls) for c in self.clients}
        lock = threading.Lock()

        def settle(result) -> None:
            client, name, value, error = result
            with lock:
                outcome = outcomes[client.id]
                if error and outcome.error is None:
                    outcome.error, outcome.value = error, None
                elif outcome.error is None:
                    outcome.value[name] = value
                waiting[client.id] -= 1
                complete = waiting[client.id] == 0
            if complete and then is not None:
                then(outcome)

        def fetch(job) -> None:
            settle(run(job))

        jobs, held = [], []
        for client in self.clients:
            for name, fn in calls.items():
                peek = getattr(fn, "peek", None)
                value = peek(client) if peek is not None else None
                if value is None:
                    jobs.append((client, name, fn))
                else:
                    held.append((client, name, value, None))
        futures = [self.pool.submit(fetch, job) for job in jobs[1:]]
        failure = None
        try:  # the answers already held, then this thread's own call
            for result in held:
                settle(result)
            if jobs:
                fetch(jobs[0])
        except BaseException as exc:  # raised below, once the other calls have returned
            failure = exc
        for future in futures:
            try:
                future.result()
            except BaseException as exc:
                failure = failure or exc
        if failure is not None:
            raise failure
        return [outcomes[c.id] for c in self.clients]


class Cached:
    """A page's call (``fn(client)``) whose answer the portal may already hold: ``peek(client)``
    gives it without a backend call, or None. ``Controllers.gather`` uses that to answer it
    on the page's own thread."""

    def __init__(self, fn: Callable[[ControllerClient], Any], peek: Callable[..., Any]):
        self.fn, self.peek = fn, peek

    def __call__(self, client: ControllerClient) -> Any:
        return self.fn(client)
