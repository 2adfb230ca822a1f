"""Operator actions on the simulator (its own CLI on its state file), for tests."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid


def sim_cli(simulator, *args: str) -> object:
    out = subprocess.run(
        [sys.executable, "-m", "openstack_simulator.cli", "--state", simulator.state, *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return json.loads(out) if out.strip() else None


def make_image(simulator, name: str, visibility: str, min_disk: int = 1, **properties) -> str:
    props = {"image_type": "loginnode", "active": "true", **properties}
    args = ["image", "create", f"{name}-{uuid.uuid4().hex[:6]}", "--visibility", visibility]
    args += ["--min-disk", str(min_disk), "--min-ram", "0"]
    for key, value in props.items():
        args += ["--property", f"{key}={value}"]
    return sim_cli(simulator, *args)["id"]
