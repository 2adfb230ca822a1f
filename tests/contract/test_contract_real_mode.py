"""Asking for the real stack without its credentials fails the run instead of skipping."""

from __future__ import annotations

import os
import subprocess
import sys


def test_real_mode_without_env_file_fails(tmp_path):
    env = {
        **os.environ,
        "SCM_TEST_OPENSTACK": "real",
        "SCM_OPENSTACK_REAL_ENV": str(tmp_path / "missing.json"),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/contract/test_contract_catalog.py::test_driver_satisfies_the_interface",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "missing.json does not exist" in done.stdout
    assert "skipped" not in done.stdout.splitlines()[-1]
