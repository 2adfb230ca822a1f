"""Undo steps: a change made of several system steps (useradd, a Keystone user, a Cloud Auth
registration, a $HOME ...) records how to undo each one as it goes; a failure undoes the steps
done, newest first, so the change happens whole or not at all."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger("scm.cloudcontroller.undo")
Undo = list[Callable[[], None]]


def undo_all(undo: Undo) -> None:
    """Run the recorded undo steps, newest first; an undo that fails is logged, not raised, so
    the others still run and the original error reaches the caller."""
    for step in reversed(undo):
        try:
            step()
        except Exception:
            log.exception("undo step failed")
    undo.clear()
