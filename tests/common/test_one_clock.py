"""The one clock (issue 10, item 3): Cloud Auth, the accountant and ``common/`` read the time
only through ``common/clock.py``, so a test's frozen clock reaches every timestamp."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cloudauth", "cloudaccountant", "common")
CLOCK = Path("common/clock.py")
READS_TIME = {"now", "utcnow", "today"}


def clock_reads(root: Path = ROOT) -> list[str]:
    """``datetime.now()``, ``datetime.utcnow()``, ``date.today()`` calls outside the clock."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if path.relative_to(root) == CLOCK or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in READS_TIME
                    and isinstance(node.func.value, ast.Attribute | ast.Name)
                    and getattr(node.func.value, "attr", getattr(node.func.value, "id", ""))
                    in ("datetime", "date")
                ):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_only_common_clock_reads_the_time():
    assert clock_reads() == []


def test_the_scan_sees_a_clock_read(tmp_path):
    (tmp_path / "common").mkdir()
    (tmp_path / "cloudauth").mkdir()
    (tmp_path / "cloudaccountant").mkdir()
    (tmp_path / "cloudauth" / "meta.py").write_text(
        "import datetime as dt\n\ndef utcnow():\n    return dt.datetime.now(dt.UTC)\n"
    )
    assert clock_reads(tmp_path) == ["cloudauth/meta.py:4"]
