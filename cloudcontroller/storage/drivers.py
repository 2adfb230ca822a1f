"""$HOME storage drivers (``storage.driver``): ``mkdir``, ``lustre`` (mkdir + ``lfs setquota``),
``nfs`` (mkdir + an export of the new $HOME, then ``exportfs``).

Each step is idempotent (a retry after a crash resumes) and records how to undo itself on the
``undo`` list it is given, so a failure half-way is rolled back by the service."""

from __future__ import annotations

import logging
import os
import shutil

from cloudcontroller.accounts.commands import run
from cloudcontroller.accounts.undo import Undo
from cloudcontroller.storage.settings import StorageSettings

log = logging.getLogger("scm.cloudcontroller.storage")
MB = 1024 * 1024


class HomeStorage:
    def __init__(self, settings: StorageSettings):
        self.s = settings

    def home_path(self, name: str) -> str:
        return os.path.join(self.s.root, name)

    def quota_mb(self, size_gb: int | None) -> int:
        wanted = size_gb * 1024 if size_gb is not None else self.s.lustre_default_quota_mb
        return min(wanted, self.s.lustre_max_quota_mb)

    def size_bytes(self, size_gb: int | None) -> int:
        if self.s.driver == "lustre":
            return self.quota_mb(size_gb) * MB
        return (size_gb or 0) * 1024 * MB

    # -- create ----------------------------------------------------------------------------------
    def create(self, name: str, uid: int | None, gid: int | None, size_gb: int | None, undo: Undo):
        path = self.home_path(name)
        self._make_home(path, uid, gid, undo)
        if self.s.driver == "lustre":
            self._set_quota(name, self.quota_mb(size_gb), undo)
        if self.s.driver == "nfs":
            self._export(name, path, undo)
            self._tell_clients(path)
        return path

    def _make_home(self, path: str, uid, gid, undo: Undo) -> None:
        os.makedirs(self.s.root, exist_ok=True)
        try:
            os.mkdir(path, self.s.options)
            undo.append(lambda: shutil.rmtree(path, ignore_errors=True))
        except FileExistsError:
            pass  # resumed after a crash, or an existing $HOME adopted: never removed on undo
        if self.s.skel and os.path.isdir(self.s.skel):
            shutil.copytree(self.s.skel, path, symlinks=True, dirs_exist_ok=True)
        os.chmod(path, self.s.options)
        if uid is not None:
            for top, dirs, files in os.walk(path):
                for entry in [top, *(os.path.join(top, n) for n in dirs + files)]:
                    os.chown(entry, uid, gid if gid is not None else -1, follow_symlinks=False)

    def _lfs(self, *args: str) -> None:
        run([*self.s.lfs, *args], self.s.lustre_timeout)

    def _set_quota(self, name: str, mb: int, undo: Undo) -> None:
        self._lfs("setquota", "-u", name, "-B", f"{mb}M", self.s.root)
        undo.append(lambda: self._lfs("setquota", "-u", name, "-B", "0", self.s.root))

    # -- NFS -------------------------------------------------------------------------------------
    def _exports_d_file(self, name: str) -> str:
        return os.path.join(self.s.nfs_etc, "exports.d", f"scm-{name}.exports")

    def export_line(self, name: str, path: str) -> str:
        clients = " ".join(
            f"{cidr}({opts or self.s.nfs_default_options})"
            for cidr, opts in self.s.nfs_auto_exports.items()
        )
        return f"{path} {clients}  # scm:{name}"

    def _write_export(self, name: str, path: str | None) -> None:
        """Write (path given) or remove (None) this user's export, atomically."""
        if self.s.nfs_use_exports_d:
            target = self._exports_d_file(name)
            if path is None:
                if os.path.exists(target):
                    os.unlink(target)
                return
            os.makedirs(os.path.dirname(target), exist_ok=True)
            _replace(target, self.export_line(name, path) + "\n")
            return
        target = os.path.join(self.s.nfs_etc, "exports")
        try:
            with open(target, encoding="utf-8") as f:
                lines = [ln for ln in f.read().splitlines() if not ln.endswith(f"# scm:{name}")]
        except FileNotFoundError:
            lines = []
        if path is not None:
            lines.append(self.export_line(name, path))
        _replace(target, "".join(ln + "\n" for ln in lines))

    def _exportfs(self) -> None:
        run(self.s.exportfs, self.s.command_timeout)

    def _export(self, name: str, path: str, undo: Undo) -> None:
        if not self.s.nfs_auto_exports:
            return
        self._write_export(name, path)

        def unexport():
            self._write_export(name, None)
            self._exportfs()

        undo.append(unexport)
        self._exportfs()

    def _tell_clients(self, path: str) -> None:
        if not self.s.nfs_client_mount:
            return
        server = self.s.nfs_servers[0] if self.s.nfs_servers else os.uname().nodename
        for client in self.s.nfs_auto_clients:
            run(
                [*self.s.nfs_client_mount, client, f"{server}:{path}", path], self.s.command_timeout
            )

    # -- delete ----------------------------------------------------------------------------------
    def delete(self, name: str, path: str) -> None:
        if self.s.driver == "nfs" and self.s.nfs_auto_exports:
            self._write_export(name, None)
            self._exportfs()
        if self.s.driver == "lustre":
            self._lfs("setquota", "-u", name, "-B", "0", self.s.root)
        if self.s.delete_data:
            shutil.rmtree(path, ignore_errors=True)


def _replace(target: str, text: str) -> None:
    tmp = f"{target}.scm-tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
