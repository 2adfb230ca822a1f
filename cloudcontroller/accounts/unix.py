"""The local UNIX account database (``etc/passwd``, ``group``, ``shadow`` under ``users.root``).

Changes go through the real shadow tools (``useradd``, ``groupadd``, ``usermod`` ...), with
``--prefix <root>`` when the root is not ``/``: they keep their own locking (``lckpwdf`` on the
prefix's files) and formats, so this module never edits those files itself; it only reads them.
``--prefix`` (not ``--root``) because ``--root`` chroots and needs the tools' libraries inside
the root. The ``nis`` driver rebuilds the NIS maps after each change (``users.nis.make``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cloudcontroller.accounts.commands import run
from cloudcontroller.accounts.settings import UserSettings


@dataclass(frozen=True)
class GroupEntry:
    name: str
    gid: int
    members: tuple[str, ...]


class UnixAccounts:
    def __init__(self, settings: UserSettings):
        self.s = settings

    def _path(self, name: str) -> str:
        return os.path.join(self.s.root, "etc", name)

    def _prefix(self) -> list[str]:
        return [] if os.path.normpath(self.s.root) == "/" else ["--prefix", self.s.root]

    def _run(self, tool: tuple[str, ...], *args: str) -> None:
        run([*tool, *self._prefix(), *args], self.s.command_timeout)

    def _rows(self, name: str) -> list[list[str]]:
        try:
            with open(self._path(name), encoding="utf-8") as f:
                return [line.rstrip("\n").split(":") for line in f if line.strip()]
        except FileNotFoundError:
            return []

    # -- reading ---------------------------------------------------------------------------------
    def users(self) -> dict[str, tuple[int, int, str]]:
        """name → (uid, gid, home)"""
        return {r[0]: (int(r[2]), int(r[3]), r[5]) for r in self._rows("passwd") if len(r) >= 7}

    def gecos(self, name: str) -> str | None:
        """The GECOS field of ``name``'s passwd entry (None without an entry)."""
        return next((r[4] for r in self._rows("passwd") if len(r) >= 7 and r[0] == name), None)

    def groups(self) -> dict[str, GroupEntry]:
        out = {}
        for r in self._rows("group"):
            if len(r) >= 4:
                members = tuple(m for m in r[3].split(",") if m)
                out[r[0]] = GroupEntry(r[0], int(r[2]), members)
        return out

    def taken_ids(self) -> set[int]:
        return {u[0] for u in self.users().values()} | {g.gid for g in self.groups().values()}

    # -- changing (each step idempotent, so a retry after a crash resumes) -----------------------
    def add_user(self, name: str, uid: int, home: str, gecos: str = "") -> None:
        if name not in self.groups():
            self._run(self.s.groupadd, "-g", str(uid), name)
        if name not in self.users():
            self._run(
                self.s.useradd,
                *("-M", "-N", "-u", str(uid), "-g", str(uid), "-d", home, "-s", self.s.shell),
                *(("-c", gecos) if gecos else ()),
                name,
            )

    def delete_user(self, name: str) -> None:
        if name in self.users():
            self._run(self.s.userdel, name)
        if name in self.groups():
            self._run(self.s.groupdel, name)

    def add_group(self, name: str, gid: int) -> None:
        if name not in self.groups():
            self._run(self.s.groupadd, "-g", str(gid), name)

    def delete_group(self, name: str) -> None:
        if name in self.groups():
            self._run(self.s.groupdel, name)

    def set_secondary_groups(self, user: str, groups: list[str]) -> None:
        if user in self.users():
            self._run(self.s.usermod, "-G", ",".join(sorted(groups)), user)

    def publish(self) -> None:
        """Make the change visible beyond this host (NIS maps)."""
        if self.s.driver == "nis":
            run(self.s.nis_make, self.s.command_timeout)
