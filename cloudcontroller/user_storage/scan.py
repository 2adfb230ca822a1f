"""Bytes used per uid in a pool, like ``du`` (allocated blocks, hard links counted once), scanned
in parallel: the pool's top-level directories are shared out among worker processes, each of
which walks its trees with ``os.scandir`` and sends back one small {uid: bytes} map, so memory
stays flat whatever the number of files."""

from __future__ import annotations

import multiprocessing
import os
import stat
from collections import Counter
from concurrent.futures import ProcessPoolExecutor


def _add(entry_stat, totals: Counter, seen: set) -> None:
    if entry_stat.st_nlink > 1 and not stat.S_ISDIR(entry_stat.st_mode):
        key = (entry_stat.st_dev, entry_stat.st_ino)
        if key in seen:
            return
        seen.add(key)
    totals[entry_stat.st_uid] += entry_stat.st_blocks * 512


def scan_tree(top: str) -> dict[int, int]:
    totals: Counter = Counter()
    seen: set = set()
    stack = [top]
    try:
        _add(os.lstat(top), totals, seen)
    except OSError:
        return {}
    while stack:
        path = stack.pop()
        try:
            with os.scandir(path) as it:
                for entry in it:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    _add(st, totals, seen)
                    if stat.S_ISDIR(st.st_mode):
                        stack.append(entry.path)
        except OSError:
            continue  # vanished or unreadable: skipped, as du reports and goes on
    return dict(totals)


def scan_pool(pool: str, workers: int = 2) -> dict[int, int]:
    """{uid: bytes used} for everything under ``pool``."""
    totals: Counter = Counter()
    seen: set = set()
    _add(os.lstat(pool), totals, seen)
    subdirs = []
    with os.scandir(pool) as it:
        for entry in it:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                subdirs.append(entry.path)
            else:
                _add(st, totals, seen)
    if workers <= 1 or len(subdirs) < 2:
        for sub in subdirs:
            totals.update(scan_tree(sub))
        return dict(totals)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        for part in executor.map(scan_tree, subdirs, chunksize=max(1, len(subdirs) // 64)):
            totals.update(part)
    return dict(totals)
