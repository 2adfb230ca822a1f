"""Where accounting data comes from: this host, or another one reached with the system ``ssh``.

A location is a local path, ``local`` (commands run here), or
``ssh://[user@]host[:port][/path]``. Both kinds stream: lines are read as the file or the command
produces them, so memory stays flat however large the input.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shlex
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse


class SourceError(Exception):
    """The data cannot be had (missing file, ssh or command failure); the message says why."""


@dataclass(frozen=True)
class LocalSource:
    label: str = "local"

    @contextlib.contextmanager
    def open(self, path: str) -> Iterator[Iterator[bytes]]:
        try:
            handle = gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
        with handle:
            yield iter(handle)

    def listdir(self, path: str) -> list[str] | None:
        """Names in ``path`` when it is a directory, else None."""
        return sorted(os.listdir(path)) if Path(path).is_dir() else None

    @contextlib.contextmanager
    def run(self, argv: Sequence[str], env: dict[str, str] | None = None):
        with _stream([*argv], {**os.environ, **(env or {})}, argv[0]) as lines:
            yield lines


@dataclass(frozen=True)
class SshSource:
    destination: str  # [user@]host
    port: int | None = None
    options: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"ssh://{self.destination}" + (f":{self.port}" if self.port else "")

    def _ssh(self, command: str) -> list[str]:
        port = ["-p", str(self.port)] if self.port else []
        return ["ssh", *self.options, *port, self.destination, "--", command]

    @contextlib.contextmanager
    def open(self, path: str):
        reader = "gzip -dc" if path.endswith(".gz") else "cat"
        command = f"{reader} -- {shlex.quote(path)}"
        with _stream(self._ssh(command), None, self.label, command) as lines:
            yield lines

    def listdir(self, path: str) -> list[str] | None:
        quoted = shlex.quote(path)
        command = f"if [ -d {quoted} ]; then ls -1 -- {quoted}; else echo __file__; fi"
        with _stream(self._ssh(command), None, self.label, f"ls -1 -- {quoted}") as lines:
            names = [line.decode("utf-8", "replace").rstrip("\n") for line in lines]
        return None if names == ["__file__"] else sorted(names)

    @contextlib.contextmanager
    def run(self, argv: Sequence[str], env: dict[str, str] | None = None):
        prefix = ["env", *(f"{k}={v}" for k, v in (env or {}).items())] if env else []
        command = shlex.join([*prefix, *argv])
        with _stream(self._ssh(command), None, self.label, shlex.join(argv)) as lines:
            yield lines


def parse_location(location: str, ssh_options: tuple[str, ...] = ()):
    """``(source, path)`` for a configured location; path is ``""`` when none is given."""
    location = location.strip()
    if location in ("local", "local:", "local://"):
        return LocalSource(), ""
    if location.startswith("ssh://"):
        url = urlparse(location)
        if not url.hostname:
            raise SourceError(f"{location}: an SSH URL needs a host (ssh://user@host/path)")
        user = f"{unquote(url.username)}@" if url.username else ""
        try:
            port = url.port
        except ValueError:
            raise SourceError(f"{location}: the port is not a number") from None
        return SshSource(f"{user}{url.hostname}", port, ssh_options), unquote(url.path)
    if "://" in location:
        raise SourceError(f"{location}: use a local path, 'local' or an ssh:// URL")
    return LocalSource(), location


# ssh's own exit status when it could not run the command (no connection, refused login...).
SSH_FAILED = 255


@contextlib.contextmanager
def _stream(argv: list[str], env, label: str, remote: str | None = None):
    """Run ``argv``, yield its stdout line by line; a non-zero exit raises SourceError.

    ``remote`` is the command ``argv`` runs over ssh: the error then tells ssh's own failure
    (exit 255: no connection, refused key, unknown host key) from the command's. The message is
    one line: the command's stderr, its lines joined.
    """
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(  # noqa: S603  (argv from settings, never a shell)
                argv, stdout=subprocess.PIPE, stderr=errors, env=env
            )
        except OSError as exc:
            raise SourceError(f"{label}: cannot run {argv[0]}: {exc.strerror or exc}") from None
        finished = False
        try:
            yield iter(process.stdout)
            finished = True
        finally:
            if not finished:
                process.kill()
            process.stdout.close()
            code = process.wait()
        if code != 0:
            errors.seek(0)
            text = errors.read()[-2000:].decode("utf-8", "replace")
            said = "; ".join(line.strip() for line in text.splitlines() if line.strip())
            said = said[-500:] or "(nothing on stderr)"
            if remote is None:
                raise SourceError(f"{label}: {argv[0]} exited with {code}: {said}")
            if code == SSH_FAILED:
                raise SourceError(f"{label}: ssh failed (exit {code}): {said}")
            raise SourceError(f"{label}: {remote!r} exited with {code} there: {said}")
