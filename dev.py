#!/usr/bin/env python3
"""Set up and run SCM from a fresh checkout with nothing but Python 3.11.

    python3 dev.py demo          the whole system on its embedded default
    python3 dev.py test [ARGS]   lint, then the test suite (ARGS go to pytest)

Both create ./.venv and install the project into it first (again only when setup.cfg changed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".scm-installed"


def _fail(message: str) -> None:
    print(f"dev.py: {message}", file=sys.stderr)
    sys.exit(1)


def _ensure_venv() -> None:
    if (BIN / "python").exists():
        return
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            subprocess.run(["apt-get", "install", "-y", "-q", "python3-venv"], check=True)
        else:
            _fail("Python's venv module is missing: install python3-venv with your package manager")
    venv.EnvBuilder(with_pip=True).create(VENV)


def install() -> None:
    _ensure_venv()
    digest = hashlib.sha256(
        (ROOT / "setup.cfg").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    pip = [str(BIN / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    # setuptools 82 dropped pkg_resources, which pyramid 2.1 imports (it requires setuptools<82):
    # upgrading past it here would leave the venv without pkg_resources until the next line
    # downgrades it again.
    # On stderr: the demo's first line on stdout is where to log in.
    print("dev.py: installing SCM and its dependencies into .venv (once)", file=sys.stderr)
    _quiet([*pip, "--upgrade", "pip", "setuptools>=68,<82", "wheel"])
    _quiet([*pip, "-e", f"{ROOT}[test]"])
    STAMP.write_text(digest)


def _quiet(command: list[str]) -> None:
    """Run an install step, its output shown only if it fails: pip and the build backend print
    notices (a build's "Editable installation" warning, a site pip.conf's missing index) that
    say nothing to someone starting the demo."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        _fail(f"installing failed (exit {done.returncode}): {' '.join(command[3:])}")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "install"):
        print(__doc__, file=sys.stderr)
        return 2
    install()
    os.chdir(ROOT)
    command, rest = argv[0], argv[1:]
    if command == "install":
        return 0
    if command == "demo":
        os.execv(str(BIN / "scm-demo"), [str(BIN / "scm-demo"), *rest])
    for lint in (["check", "."], ["format", "--check", "."]):
        if subprocess.run([str(BIN / "ruff"), *lint]).returncode:
            _fail(f"ruff {' '.join(lint)} found problems")
    return subprocess.run([str(BIN / "python"), "-m", "pytest", *rest]).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
