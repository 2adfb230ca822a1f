"""Free GPUs (seed 1.15.6): Nova's ``pci_devices`` table, read through ``openstack.gpu_query``
(a database URL), counted by product id (``openstack.gpu_pci_ids``)."""

from __future__ import annotations

import threading

import sqlalchemy as sa

_engines: dict[str, sa.Engine] = {}
_lock = threading.Lock()


def _engine(url: str) -> sa.Engine:
    with _lock:
        if url not in _engines:
            _engines[url] = sa.create_engine(url, pool_pre_ping=True)
        return _engines[url]


def free_gpus(url: str, product_ids: tuple[str, ...]) -> int:
    """How many GPU devices are available; every product id when ``product_ids`` is empty."""
    query = (
        "SELECT COUNT(*) FROM pci_devices WHERE deleted = 0 AND status = 'available'"
        " AND dev_type IN ('type-PCI', 'type-PF')"
    )
    params: dict = {}
    if product_ids:
        names = [f":p{i}" for i in range(len(product_ids))]
        query += f" AND LOWER(product_id) IN ({', '.join(names)})"
        params = {f"p{i}": pid.lower() for i, pid in enumerate(product_ids)}
    with _engine(url).connect() as conn:
        return int(conn.execute(sa.text(query), params).scalar_one())
