"""record_user_storage vs ``du -s`` on a generated pool, measured in the same run.

    .venv/bin/python bench/user_storage_record.py            # 100 users x 1,000 files
    .venv/bin/python bench/user_storage_record.py --full     # 1,000 users x 1,000 files (1,000,000)

Prints seconds and peak memory (max RSS of the process tree's largest process) for each, and
the ratio. Goal (issue 5): no slower than du, under 200 MB. Needs root (chowns to many uids).
"""

from __future__ import annotations

import argparse
import os
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


def measure(argv: list[str]) -> tuple[float, float]:
    """Seconds and peak MB of a fresh child process tree (a helper process reads its own
    RUSAGE_CHILDREN so earlier runs never count)."""
    code = (
        "import resource,subprocess,sys,time;t=time.monotonic();"
        "subprocess.run(sys.argv[1:],check=True,stdout=subprocess.DEVNULL);"
        "print(time.monotonic()-t,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024


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
        du_s, du_mb = measure(["du", "-s", str(pool)])  # first, so it warms the cache for both
        du_s, du_mb = measure(["du", "-s", str(pool)])
        rec_s, rec_mb = measure(
            [
                sys.executable,
                "-m",
                "cloudcontroller.scripts.record_user_storage",
                str(ini),
                str(pool),
                "--workers",
                str(args.workers),
            ]
        )
        print(f"du -s               : {du_s:8.2f} s  {du_mb:7.1f} MB peak")
        print(
            f"record_user_storage : {rec_s:8.2f} s  {rec_mb:7.1f} MB peak "
            f"({args.workers} workers, includes Python start-up and the DB write)"
        )
        print(f"ratio record/du     : {rec_s / du_s:8.2f}x time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
