"""Bytes used per uid in a pool, like ``du`` (allocated blocks, ``st_blocks * 512``; hard links
counted once), scanned in parallel.

The pool's top-level directories are shared out among worker processes. Each worker walks its
trees the way ``du`` does: every directory is opened once and read with ``os.scandir(fd)``, so
each entry is stat'ed relative to its directory (``fstatat``, no path walk per file) and no
path string is built per file; totals are kept in blocks in one small {uid: blocks} dict. A
worker sends back that dict and the few files with several links (so that a hard link between
two top-level trees still counts once), so memory stays flat whatever the number of files.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
from concurrent.futures import ProcessPoolExecutor

Links = dict[tuple[int, int], tuple[int, int]]  # (dev, ino) -> (uid, blocks)
OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _walk(top: str, totals: dict[int, int], links: Links) -> None:
    """Add everything below the directory ``top`` (not ``top`` itself)."""
    is_dir = stat.S_ISDIR  # locals: this loop runs once per file
    get = totals.get
    stack = [top]
    pop, push = stack.pop, stack.append
    while stack:
        path = pop()
        try:
            fd = os.open(path, OPEN_DIR)
        except OSError:
            continue  # vanished or unreadable: skipped, as du reports and goes on
        try:
            with os.scandir(fd) as it:
                for entry in it:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if is_dir(st.st_mode):
                        push(path + "/" + entry.name)
                    elif st.st_nlink > 1:
                        links[(st.st_dev, st.st_ino)] = (st.st_uid, st.st_blocks)
                        continue
                    uid = st.st_uid
                    totals[uid] = get(uid, 0) + st.st_blocks
        except OSError:
            pass
        finally:
            os.close(fd)


def _tree(top: str) -> tuple[dict[int, int], Links]:
    totals: dict[int, int] = {}
    links: Links = {}
    try:
        st = os.lstat(top)
    except OSError:
        return totals, links
    totals[st.st_uid] = st.st_blocks
    if stat.S_ISDIR(st.st_mode):
        _walk(top, totals, links)
    return totals, links


def _trees(tops: list[str]) -> tuple[dict[int, int], Links]:
    """One worker's share: several top-level trees, merged (one answer per worker)."""
    totals: dict[int, int] = {}
    links: Links = {}
    for top in tops:
        part, part_links = _tree(top)
        for uid, blocks in part.items():
            totals[uid] = totals.get(uid, 0) + blocks
        links.update(part_links)
    return totals, links


def _merge(totals: dict[int, int], links: Links, part: dict[int, int], part_links: Links) -> None:
    for uid, blocks in part.items():
        totals[uid] = totals.get(uid, 0) + blocks
    links.update(part_links)


def scan_tree(top: str) -> dict[int, int]:
    """{uid: bytes used} for ``top`` and everything under it, in this process."""
    totals, links = _tree(top)
    return _bytes(totals, links)


def _bytes(totals: dict[int, int], links: Links) -> dict[int, int]:
    for uid, blocks in links.values():
        totals[uid] = totals.get(uid, 0) + blocks
    return {uid: blocks * 512 for uid, blocks in totals.items()}


def scan_pool(pool: str, workers: int = 2) -> dict[int, int]:
    """{uid: bytes used} for everything under ``pool``."""
    st = os.lstat(pool)
    totals: dict[int, int] = {st.st_uid: st.st_blocks}
    links: Links = {}
    subdirs = []
    with os.scandir(pool) as it:
        for entry in it:
            try:
                est = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(est.st_mode):
                subdirs.append(entry.path)
            elif est.st_nlink > 1:
                links[(est.st_dev, est.st_ino)] = (est.st_uid, est.st_blocks)
            else:
                totals[est.st_uid] = totals.get(est.st_uid, 0) + est.st_blocks
    if workers <= 1 or len(subdirs) < 2:
        _merge(totals, links, *_trees(subdirs))
        return _bytes(totals, links)
    # Many more chunks than workers, dealt round-robin: a few huge homes do not leave a worker
    # idle while another walks them all, and each worker still answers only a few times.
    chunks = min(len(subdirs), workers * 16)
    shares = [subdirs[i::chunks] for i in range(chunks)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        for part, part_links in executor.map(_trees, shares):
            _merge(totals, links, part, part_links)
    return _bytes(totals, links)
