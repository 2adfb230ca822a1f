"""Helpers of the accounts/storage tests: a temporary system root with its own passwd, group
and shadow, and recording stand-in executables."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path


def make_root(base: Path) -> Path:
    root = base / "sysroot"
    (root / "etc").mkdir(parents=True)
    for name in ("passwd", "group", "shadow", "gshadow"):
        (root / "etc" / name).write_text("")
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "etc" / "group").write_text("root:x:0:\n")
    return root


class Recorder:
    """A stand-in executable that appends its argv (as JSON) to a log and exits ``code``."""

    def __init__(self, base: Path, name: str, code: int = 0):
        self.path = base / f"fake-{name}"
        self.log = base / f"fake-{name}.log"
        self.set_exit(code)

    def set_exit(self, code: int) -> None:
        self.path.write_text(
            "#!/bin/sh\n"
            f'python3 -c \'import json,sys; open("{self.log}","a").write('
            'json.dumps(sys.argv[1:])+"\\n")\' "$@"\n'
            f"exit {code}\n"
        )
        os.chmod(self.path, 0o755)

    @property
    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


def unique_name(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"
