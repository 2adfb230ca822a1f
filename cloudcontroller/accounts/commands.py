"""Running the system's commands (useradd, lfs, exportfs, make -C /var/yp ...): argv only,
never a shell; a failure is a domain error naming the command and its stderr."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Sequence

from common.errors import APIError

log = logging.getLogger("scm.cloudcontroller.commands")


class CommandFailed(APIError):
    """A system command failed or timed out; the change it was part of is undone."""

    status = 503


def run(argv: Sequence[str], timeout: float) -> str:
    """Run ``argv``; its stdout, or :class:`CommandFailed`."""
    argv = [str(a) for a in argv]
    log.info("running %s", " ".join(argv))
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603  (argv from settings, no shell)
    except subprocess.TimeoutExpired:
        raise CommandFailed(f"{argv[0]} timed out after {timeout:g}s") from None
    except OSError as exc:
        raise CommandFailed(f"{argv[0]} could not run: {exc.strerror}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise CommandFailed(
            f"{argv[0]} failed (exit {done.returncode})" + (f": {detail[-1]}" if detail else "")
        )
    return done.stdout
