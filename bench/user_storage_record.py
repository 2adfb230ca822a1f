"""record_user_storage vs ``du -s`` on a generated pool, measured in the same run.

    .venv/bin/python bench/user_storage_record.py            # 100 users x 1,000 files
    .venv/bin/python bench/user_storage_record.py --full     # 1,000 users x 1,000 files (1,000,000)

Measured in the same run, on the same (cached) tree, each in a fresh process tree, printing
seconds and peak memory (max RSS of the tree's largest process):

- ``du -s``;
- the scan alone (``scan_pool``), timed inside its process: what is compared with du;
- the whole ``record_user_storage`` command, split into Python start-up (imports, reading the
  ini), the scan, and the database write, as the command itself reports them.

Goal (issue 5): the scan no slower than du, memory under 200 MB. Needs root (chowns to many uids).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine

from common.migrations import upgrade


def generate(pool: Path, users: int, files_per_user: int) -> None:
    for u in range(users):
        uid = 40000 + u
        home = pool / f"user{u:04d}"
        per_dir = 100
        for d in range((files_per_user + per_dir - 1) // per_dir):
            sub = home / f"d{d:03d}"
            sub.mkdir(parents=True)
            for f in range(min(per_dir, files_per_user - d * per_dir)):
                fd = os.open(sub / f"f{f}", os.O_WRONLY | os.O_CREAT, 0o644)
                os.write(fd, b"x" * (1 + (f * 37) % 9000))
                os.fchown(fd, uid, uid)
                os.close(fd)
            os.chown(sub, uid, uid)
        os.chown(home, uid, uid)


def measure(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak MB and stdout of a fresh child process tree (a helper process reads
    its own RUSAGE_CHILDREN, which covers the child's own workers, so earlier runs never
    count)."""
    code = (
        "import resource,subprocess,sys,time;t=time.monotonic();"
        "out=subprocess.run(sys.argv[1:],check=True,capture_output=True,text=True).stdout;"
        "print(time.monotonic()-t,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
        "print(out,end='')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True
    ).stdout
    head, _, rest = out.partition("\n")
    seconds, kb = head.split()
    return float(seconds), int(kb) / 1024, rest


# The scan alone: only the scan module and the standard library are loaded (by file path, so
# the cloudcontroller package and its web stack are not imported), and the walk is timed inside.
SCAN_ONLY = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("scan", sys.argv[1])
scan = sys.modules["scan"] = importlib.util.module_from_spec(spec)  # the workers unpickle it
spec.loader.exec_module(scan)
t = time.monotonic()
totals = scan.scan_pool(sys.argv[2], int(sys.argv[3]))
print(time.monotonic() - t, sum(totals.values()))
"""
SPLIT = re.compile(r"scan ([0-9.]+)s, database ([0-9.]+)s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="1,000 users x 1,000 files")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--files-per-user", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    users = 1000 if args.full else args.users
    per_user = 1000 if args.full else args.files_per_user
    with tempfile.TemporaryDirectory(prefix="scm-bench-") as tmp:
        tmp_path = Path(tmp)
        pool = tmp_path / "pool"
        t = time.monotonic()
        generate(pool, users, per_user)
        print(
            f"pool: {users} users x {per_user} files = {users * per_user:,} files "
            f"(generated in {time.monotonic() - t:.1f}s)"
        )
        url = f"sqlite:///{tmp_path}/cc.sqlite"
        upgrade("cloudcontroller", create_engine(url))
        ini = tmp_path / "cc.ini"
        ini.write_text(
            f"[app:main]\nuse = egg:scm#cloudcontroller\nsqlalchemy.url = {url}\ncloudauth.url = http://127.0.0.1:1\n"
            "openstack.auth_url = http://x\nopenstack.username = a\nopenstack.password = b\n"
            "openstack.project_name = c\n"
        )
        subprocess.run(["sync"], check=False)
        scan_py = Path(__file__).resolve().parent.parent / "cloudcontroller/user_storage/scan.py"
        workers = str(args.workers)
        measure(["du", "-s", str(pool)])  # first, so it warms the cache for every run below
        du_s, du_mb, du_out = measure(["du", "-s", "-B1", str(pool)])
        _, scan_mb, scan_out = measure(
            [sys.executable, "-c", SCAN_ONLY, str(scan_py), str(pool), workers]
        )
        scan_s, scan_bytes = float(scan_out.split()[0]), int(scan_out.split()[1])
        rec_s, rec_mb, rec_out = measure(
            [
                sys.executable,
                "-m",
                "cloudcontroller.scripts.record_user_storage",
                str(ini),
                str(pool),
                "--workers",
                workers,
            ]
        )
        split = SPLIT.search(rec_out)
        in_scan, in_db = (float(split[1]), float(split[2])) if split else (0.0, 0.0)
        du_bytes = int(du_out.split()[0])
        print(f"du -s                          : {du_s:7.2f} s  {du_mb:7.1f} MB peak")
        print(
            f"scan alone ({workers} workers)       : {scan_s:7.2f} s  {scan_mb:7.1f} MB peak"
            f"  ({scan_s / du_s:.2f}x du; bytes {'equal' if scan_bytes == du_bytes else 'DIFFER'})"
        )
        print(f"record_user_storage (whole)    : {rec_s:7.2f} s  {rec_mb:7.1f} MB peak")
        print(f"  Python start-up and ini      : {rec_s - in_scan - in_db:7.2f} s")
        print(f"  scan                         : {in_scan:7.2f} s")
        print(f"  database write ({users:>5} rows): {in_db:7.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
