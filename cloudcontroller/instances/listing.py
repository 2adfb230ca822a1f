"""Server-instances as the API shows them: one instance's JSON, and a listing encoded straight
from plain rows (the hot path of ``GET /server-instance``)."""

from __future__ import annotations

import json
from itertools import groupby
from operator import itemgetter

from sqlalchemy import func, or_, select

from cloudcontroller.instances import models as m
from common.envelope import utc_text

# The columns an instance's JSON shows: a listing reads only these.
LISTED = (
    "id",
    "cloudauth_id",
    "image_id",
    "flavor_id",
    "created_at",
    "status",
    "desired",
    "hostname",
    "public_ip",
    "private_ip",
    "status_reason",
    "deleted_at",
)  # "id" first: list_json_text reads it as row[0]
LIST_BATCH = 100  # instances encoded at a time by list_json_text


def instance_json(inst: m.ServerInstance) -> dict:
    grants = [(u.user_id, u.can_power, u.can_delete) for u in inst.users]
    return shape(*[getattr(inst, name) for name in LISTED], grants)


def shape(
    id,
    cloudauth_id,
    image_id,
    flavor_id,
    created_at,
    status,
    desired,
    hostname,
    public_ip,
    private_ip,
    status_reason,
    deleted_at,
    grants,
) -> dict:
    """An instance as the API shows it, from its ``LISTED`` columns in order (a listing's
    plain rows unpack into these at a tenth of the cost of reading them by name) and its users'
    (user id, power, delete) in order."""
    body = {
        "id": id,
        "cloudauth-id": cloudauth_id,
        "users": [g[0] for g in grants],
        "user-permissions": [{"user-id": g[0], "power": g[1], "delete": g[2]} for g in grants],
        "server-image": image_id,
        "server-flavor": flavor_id,
        "creation-date": utc_text(created_at),
        "status": status,
        "power": desired,
    }
    if hostname:
        body["hostname"] = hostname
    if public_ip:
        body["public-ip"] = public_ip
    if private_ip:
        body["private-ip"] = private_ip
    if status_reason:
        body["status-reason"] = status_reason
    if deleted_at:
        body["deletion-date"] = utc_text(deleted_at)
    return body


# A paged listing's sort columns (the API's field names); ties are broken by the id.
SORTS = {
    "id": "id",
    "cloudauth-id": "cloudauth_id",
    "server-image": "image_id",
    "server-flavor": "flavor_id",
    "creation-date": "created_at",
    "status": "status",
    "power": "desired",
    "hostname": "hostname",
    "public-ip": "public_ip",
    "private-ip": "private_ip",
}
SEARCHED = ("id", "cloudauth_id", "hostname", "public_ip", "private_ip", "status")


def searched(query, text: str):
    """Instances with ``text`` (case-insensitive) in their id, owner id, hostname, addresses or
    status."""
    t = m.ServerInstance.__table__.c
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return query.where(
        or_(*(func.lower(func.coalesce(t[c], "")).like(pattern, escape="\\") for c in SEARCHED))
    )


def page_json_text(
    db, query, sort: str, descending: bool, offset: int, limit: int
) -> tuple[int, str]:
    """How many instances ``query`` selects, and one page of them sorted by ``sort`` (a key of
    ``SORTS``), encoded as ``list_json_text`` does. The page's ids are read first, then their
    user lists by those ids (MySQL/MariaDB take no LIMIT inside an IN subquery)."""
    t = m.ServerInstance.__table__.c
    u = m.InstanceUser.__table__.c
    run = db.connection().execute
    total = run(select(func.count()).select_from(query.subquery())).scalar_one()
    column = t[SORTS[sort]]
    order = (column.desc(), t.id.desc()) if descending else (column, t.id)
    rows = run(
        query.with_only_columns(*[t[c] for c in LISTED])
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    ).all()
    grants: dict[str, tuple] = {}
    if rows:
        users = run(
            select(u.instance_id, u.user_id, u.can_power, u.can_delete)
            .where(u.instance_id.in_([row[0] for row in rows]))
            .order_by(u.instance_id, u.id)
        )
        for instance_id, group in groupby(users, itemgetter(0)):
            grants[instance_id] = tuple(row[1:] for row in group)
    return total, json.dumps([shape(*row, grants.get(row[0], ())) for row in rows])


def list_json_text(db, query) -> str:
    """The instances ``query`` selects, as the API shows them, encoded as a JSON array (the
    text ``json.dumps`` writes for the list of their ``instance_json``).

    Two Core queries (the ``LISTED`` columns, and the user lists of the same rows), read row by
    row and encoded ``LIST_BATCH`` instances at a time: a listing of a thousand never holds a
    thousand rows and dicts at once. Holding them made every such request run ~10 collections
    of the garbage collector, and every ~10th a full one, the slow tail of the listing
    (bench/controller_instances.py: ~20 ms of CPU, p95 30+, now ~11)."""
    t = m.ServerInstance.__table__.c
    u = m.InstanceUser.__table__.c
    run = db.connection().execute  # Core rows: the ORM's row processing is not needed here
    grants: dict[str, tuple] = {}
    users = run(
        select(u.instance_id, u.user_id, u.can_power, u.can_delete)
        .where(u.instance_id.in_(query.with_only_columns(t.id)))
        .order_by(u.instance_id, u.id)
    )
    for instance_id, rows in groupby(users, itemgetter(0)):
        grants[instance_id] = tuple(row[1:] for row in rows)
    parts, batch = [], []
    for row in run(query.with_only_columns(*[t[c] for c in LISTED]).order_by(t.created_at, t.id)):
        batch.append(shape(*row, grants.get(row[0], ())))
        if len(batch) == LIST_BATCH:
            parts.append(json.dumps(batch)[1:-1])
            batch.clear()
    if batch:
        parts.append(json.dumps(batch)[1:-1])
    return "[" + ", ".join(parts) + "]"
