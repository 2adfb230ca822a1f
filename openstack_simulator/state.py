"""The simulator's state: one SQLite file, so a restart (or the admin CLI) sees the same cloud.

Resources are JSON documents in one table keyed by (kind, id); creation order is kept by a
sequence so listings page like the real services. Two tables keep the shape of the real thing:
`pci_devices` mirrors Nova's table (the controller's GPU query runs plain SQL against it), and
`timers` holds the asynchronous transitions (BUILD -> ACTIVE, creating -> available), which are
applied lazily by `settle()` at the start of every request, so no background thread is needed
and a restart resumes them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind VARCHAR(32) NOT NULL,
    id VARCHAR(64) NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE TABLE IF NOT EXISTS timers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    due REAL NOT NULL,
    action VARCHAR(64) NOT NULL,
    target VARCHAR(64) NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS faults (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind VARCHAR(32) NOT NULL,
    service VARCHAR(32) NOT NULL,
    remaining INTEGER NOT NULL,
    seconds REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS settings (
    key VARCHAR(64) PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pci_devices (
    created_at DATETIME,
    updated_at DATETIME,
    deleted_at DATETIME,
    deleted INTEGER NOT NULL DEFAULT 0,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    compute_node_id INTEGER NOT NULL,
    address VARCHAR(12) NOT NULL,
    product_id VARCHAR(4) NOT NULL,
    vendor_id VARCHAR(4) NOT NULL,
    dev_type VARCHAR(8) NOT NULL,
    dev_id VARCHAR(255),
    label VARCHAR(255) NOT NULL,
    status VARCHAR(36) NOT NULL,
    extra_info TEXT,
    instance_uuid VARCHAR(36),
    request_id VARCHAR(36),
    numa_node INTEGER,
    parent_addr VARCHAR(12),
    uuid VARCHAR(36)
);
"""

# Applied by settle(): action name -> function(store, target, payload, now).
TRANSITIONS: dict[str, Callable[[Store, str, dict, float], None]] = {}


def transition(name: str):
    def register(func):
        TRANSITIONS[name] = func
        return func

    return register


def new_id() -> str:
    return str(uuid.uuid4())


def hex_id() -> str:
    return uuid.uuid4().hex


def isotime(ts: float | None = None, micro: bool = False) -> str:
    moment = datetime.fromtimestamp(time.time() if ts is None else ts, UTC)
    if micro:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """Thread-safe access to the state file. Every mutation runs inside `tx()`."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA busy_timeout = 10000")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.executescript(SCHEMA)
        self._depth = 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def tx(self) -> Iterator[Store]:
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    def sql(self, statement: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(statement, params).fetchall()

    # -- documents -----------------------------------------------------------------------------
    def get(self, kind: str, rid: str) -> dict | None:
        rows = self.sql("SELECT data FROM resources WHERE kind = ? AND id = ?", (kind, rid))
        return json.loads(rows[0]["data"]) if rows else None

    def all(self, kind: str, **equal: Any) -> list[dict]:
        rows = self.sql("SELECT data FROM resources WHERE kind = ? ORDER BY seq", (kind,))
        docs = [json.loads(row["data"]) for row in rows]
        return [d for d in docs if all(d.get(k) == v for k, v in equal.items())]

    def put(self, kind: str, doc: dict) -> dict:
        data = json.dumps(doc, sort_keys=True)
        with self.tx():
            updated = self._conn.execute(
                "UPDATE resources SET data = ? WHERE kind = ? AND id = ?", (data, kind, doc["id"])
            ).rowcount
            if not updated:
                self._conn.execute(
                    "INSERT INTO resources (kind, id, data) VALUES (?, ?, ?)",
                    (kind, doc["id"], data),
                )
        return doc

    def delete(self, kind: str, rid: str) -> bool:
        with self.tx():
            return bool(
                self._conn.execute(
                    "DELETE FROM resources WHERE kind = ? AND id = ?", (kind, rid)
                ).rowcount
            )

    # -- settings ------------------------------------------------------------------------------
    def setting(self, key: str, default: Any = None) -> Any:
        rows = self.sql("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else default

    def set_setting(self, key: str, value: Any) -> None:
        with self.tx():
            self._conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                (key, json.dumps(value)),
            )

    # -- timers --------------------------------------------------------------------------------
    def schedule(self, delay: float, action: str, target: str, **payload: Any) -> None:
        with self.tx():
            self._conn.execute(
                "INSERT INTO timers (due, action, target, payload) VALUES (?, ?, ?, ?)",
                (time.time() + max(delay, 0.0), action, target, json.dumps(payload)),
            )

    def settle(self, now: float | None = None) -> int:
        """Apply every transition that is due, oldest first. Returns how many ran."""
        now = time.time() if now is None else now
        done = 0
        with self.tx():
            rows = self.sql("SELECT * FROM timers WHERE due <= ? ORDER BY due, seq", (now,))
            for row in rows:
                self._conn.execute("DELETE FROM timers WHERE seq = ?", (row["seq"],))
                func = TRANSITIONS.get(row["action"])
                if func is not None:
                    func(self, row["target"], json.loads(row["payload"]), now)
                    done += 1
        return done

    # -- faults --------------------------------------------------------------------------------
    def add_fault(self, kind: str, service: str, count: int = 1, seconds: float = 0.0) -> dict:
        with self.tx():
            cur = self._conn.execute(
                "INSERT INTO faults (kind, service, remaining, seconds) VALUES (?, ?, ?, ?)",
                (kind, service, count, seconds),
            )
        return {"id": cur.lastrowid, "kind": kind, "service": service, "remaining": count}

    def faults(self) -> list[dict]:
        return [dict(row) for row in self.sql("SELECT * FROM faults ORDER BY seq")]

    def clear_faults(self) -> None:
        with self.tx():
            self._conn.execute("DELETE FROM faults")

    def take_fault(self, kind: str, service: str) -> dict | None:
        """Consume one use of the oldest matching fault (a negative count never runs out)."""
        with self.tx():
            rows = self.sql(
                "SELECT * FROM faults WHERE kind = ? AND service IN (?, '*') ORDER BY seq LIMIT 1",
                (kind, service),
            )
            if not rows:
                return None
            fault = dict(rows[0])
            if fault["remaining"] == 1:
                self._conn.execute("DELETE FROM faults WHERE seq = ?", (fault["seq"],))
            elif fault["remaining"] > 1:
                self._conn.execute(
                    "UPDATE faults SET remaining = remaining - 1 WHERE seq = ?", (fault["seq"],)
                )
            return fault

    # -- PCI devices (Nova's table shape) ------------------------------------------------------
    def add_pci_device(
        self, address: str, product_id: str, vendor_id: str, label: str = "", node: int = 1
    ) -> int:
        with self.tx():
            cur = self._conn.execute(
                "INSERT INTO pci_devices (created_at, deleted, compute_node_id, address,"
                " product_id, vendor_id, dev_type, dev_id, label, status, extra_info, numa_node,"
                " uuid) VALUES (?, 0, ?, ?, ?, ?, 'type-PCI', ?, ?, 'available', '{}', 0, ?)",
                (
                    isotime(micro=True).replace("T", " "),
                    node,
                    address,
                    product_id,
                    vendor_id,
                    "pci_" + address.replace(":", "_").replace(".", "_"),
                    label or f"label_{vendor_id}_{product_id}",
                    new_id(),
                ),
            )
        return int(cur.lastrowid)

    def pci_devices(self) -> list[dict]:
        return [dict(r) for r in self.sql("SELECT * FROM pci_devices WHERE deleted = 0")]

    def allocate_pci(self, vendor_id: str, product_id: str, count: int, instance: str) -> bool:
        """Claim `count` available devices for an instance; all or nothing."""
        with self.tx():
            rows = self.sql(
                "SELECT id FROM pci_devices WHERE deleted = 0 AND status = 'available'"
                " AND vendor_id = ? AND product_id = ? ORDER BY id LIMIT ?",
                (vendor_id, product_id, count),
            )
            if len(rows) < count:
                return False
            for row in rows:
                self._conn.execute(
                    "UPDATE pci_devices SET status = 'allocated', instance_uuid = ?,"
                    " updated_at = ? WHERE id = ?",
                    (instance, isotime(micro=True).replace("T", " "), row["id"]),
                )
            return True

    def release_pci(self, instance: str) -> None:
        with self.tx():
            self._conn.execute(
                "UPDATE pci_devices SET status = 'available', instance_uuid = NULL,"
                " updated_at = ? WHERE instance_uuid = ?",
                (isotime(micro=True).replace("T", " "), instance),
            )
