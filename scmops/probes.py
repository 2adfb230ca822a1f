"""The probes behind ``scm-status``: each returns ``(detail, problem)``, ``problem`` empty when
all is well, and raises when its peer cannot be reached (the caller turns that into a line).

They talk to the services over HTTP and to Redis and the databases by URL: nothing here imports
an app, so a host with only some apps installed can still be examined.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

from common.settings import ConfigError, parse_duration

# A cheap public GET per app that reads no database; where the version is in its answer.
READY = {
    "cloudportal": "/login",
    "cloudauth": "/",
    "cloudaccountant": "/openapi.json",
    "cloudcontroller": "/",
}


def parse_seconds(text: str) -> float:
    try:
        return parse_duration(text)
    except ConfigError:
        return 5.0


def service(app: str, url: str, timeout: float) -> tuple[str, str]:
    response = requests.get(url.rstrip("/") + READY[app], timeout=timeout, allow_redirects=False)
    if response.status_code != 200:
        return f"HTTP {response.status_code}", (
            f"{app} at {url} answered {response.status_code} to GET {READY[app]}: "
            f"see /var/log/httpd/{app}/error.log and /var/www/wsgi/{app}/{app}.log"
        )
    version = "?"
    if "json" in response.headers.get("Content-Type", ""):
        body = response.json()
        version = (body.get("data") or {}).get("version") or (body.get("info") or {}).get(
            "version", "?"
        )
    seconds = response.elapsed.total_seconds()
    return f"answering, version {version}, {seconds * 1000:.0f} ms", ""


def redis(url: str, timeout: float) -> tuple[str, str]:
    import redis as redis_lib

    client = redis_lib.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        info = client.info("server")
        client.ping()
    finally:
        client.close()
    return f"{_safe(url)} version {info.get('redis_version', '?')}", ""


def _safe(url: str) -> str:
    """A URL without its password, for a report."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def _engine(url: str, timeout: float) -> sa.Engine:
    parsed = sa.engine.make_url(url)
    args: dict[str, Any] = {}
    if parsed.get_backend_name() == "mysql":
        args = {"connect_timeout": int(max(timeout, 1)), "read_timeout": int(max(timeout, 1))}
    elif parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if path and path != ":memory:":
            import os

            if not os.path.exists(path):
                raise FileNotFoundError(f"no SQLite file {path}")
    return sa.create_engine(parsed, connect_args=args, poolclass=sa.pool.NullPool)


def database(url: str, site) -> tuple[str, str]:
    engine = _engine(url, site.timeout)
    try:
        with engine.connect() as conn:
            if engine.dialect.name != "mysql":
                return f"{_safe(url)} ({engine.dialect.name})", ""
            version = conn.exec_driver_sql("SELECT VERSION()").scalar()
            wsrep_on = conn.exec_driver_sql("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'").first()
            if not wsrep_on or str(wsrep_on[1]).upper() != "ON":
                return f"{_safe(url)} MariaDB/MySQL {version}", ""
            status = dict(conn.exec_driver_sql("SHOW GLOBAL STATUS LIKE 'wsrep_%'").all())
    finally:
        engine.dispose()
    return galera(url, status, site.galera_size)


def galera(url: str, status: dict[str, str], expected_size: int) -> tuple[str, str]:
    """Seed 1.18.3: Synced, Primary, ready and connected, and every node in the cluster."""
    size = int(status.get("wsrep_cluster_size") or 0)
    state = status.get("wsrep_local_state_comment", "?")
    ready = status.get("wsrep_ready", "?")
    connected = status.get("wsrep_connected", "?")
    primary = status.get("wsrep_cluster_status", "?")
    detail = (
        f"{_safe(url)} Galera: wsrep_cluster_size={size} wsrep_local_state_comment={state} "
        f"wsrep_ready={ready} wsrep_connected={connected} wsrep_cluster_status={primary}"
    )
    wrong = []
    if state != "Synced":
        wrong.append(f"this node is {state}, not Synced")
    if ready != "ON":
        wrong.append("wsrep_ready is not ON (the node refuses queries)")
    if connected != "ON":
        wrong.append("wsrep_connected is not ON")
    if primary != "Primary":
        wrong.append(f"the cluster is {primary}, not Primary (no quorum)")
    if size < expected_size:
        wrong.append(f"{size} of {expected_size} nodes in the cluster")
    if wrong:
        return detail, f"Galera at {_safe(url)}: {'; '.join(wrong)} (see seed 1.18.5)"
    return detail, ""


def workers(url: str, stuck_after: float) -> tuple[str, str]:
    """Workers are seen by the leases they hold on instances in progress; an instance in
    progress whose lease ran out long ago has no worker."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    engine = _engine(url, 5)
    try:
        with engine.connect() as conn:
            held = conn.execute(
                sa.text(
                    "SELECT lease_owner, COUNT(*) FROM server_instances "
                    "WHERE lease_owner IS NOT NULL AND lease_until > :now GROUP BY lease_owner"
                ),
                {"now": now},
            ).all()
            pending, oldest = conn.execute(
                sa.text(
                    "SELECT COUNT(*), MIN(COALESCE(phase_started_at, updated_at)) "
                    "FROM server_instances WHERE pending = :yes AND deleted_at IS NULL"
                ),
                {"yes": True},
            ).one()
            orphaned = conn.execute(
                sa.text(
                    "SELECT COUNT(*) FROM server_instances WHERE pending = :yes "
                    "AND deleted_at IS NULL AND (lease_until IS NULL OR lease_until < :now) "
                    "AND updated_at < :old"
                ),
                {"yes": True, "now": now, "old": now - dt.timedelta(minutes=5)},
            ).scalar()
    finally:
        engine.dispose()
    names = ", ".join(f"{owner} ({count} claimed)" for owner, count in held) or "none holding"
    if isinstance(oldest, str):  # SQLite returns the text it stored
        oldest = dt.datetime.fromisoformat(oldest)
    age = (now - oldest).total_seconds() if oldest else 0.0
    detail = f"workers: {names}; {pending} instance(s) in progress"
    if oldest:
        detail += f", oldest unfinished step {age:.0f} s old"
    problems = []
    if orphaned:
        problems.append(
            f"{orphaned} instance(s) in progress with no worker lease for 5 min: "
            "is cloudcontroller-worker running (systemctl status 'cloudcontroller-worker@*')?"
        )
    if oldest and age > stuck_after:
        problems.append(
            f"an instance step has been unfinished for {age / 60:.0f} min: see "
            "GET /server-instance?status=... and the worker's log"
        )
    return detail, " ".join(problems)


def imports(url: str) -> tuple[str, str]:
    """The last run of each import, where this accountant version records them (a table named
    like ``import_runs``); an older accountant has none, which is not a problem."""
    engine = _engine(url, 5)
    try:
        inspector = sa.inspect(engine)
        tables = [t for t in inspector.get_table_names() if "import" in t and "run" in t]
        if not tables:
            return "not recorded by this accountant version", ""
        table = sa.Table(tables[0], sa.MetaData(), autoload_with=engine)
        columns = {c.name: c for c in table.columns}
        source = _pick(columns, "source", "kind", "script", "name")
        when = _pick(columns, "finished_at", "finished", "ended_at", "started_at", "started")
        status = _pick(columns, "exit_status", "status", "rc")
        if source is None or when is None:
            return f"{tables[0]}: columns not understood", ""
        with engine.connect() as conn:
            rows = conn.execute(sa.select(table).order_by(when.desc()).limit(500)).mappings()
            last: dict[str, Any] = {}
            for row in rows:
                last.setdefault(str(row[source.name]), row)
    finally:
        engine.dispose()
    if not last:
        return "no import has run yet", ""
    parts, failed = [], []
    for name, row in sorted(last.items()):
        code = row[status.name] if status is not None else None
        parts.append(f"{name} {row[when.name]}" + (f" exit {code}" if code is not None else ""))
        if code not in (None, 0, "0", "ok", "success"):
            failed.append(f"{name} (exit {code})")
    problem = f"last import failed: {', '.join(failed)}: see its cron log" if failed else ""
    return "; ".join(parts), problem


def _pick(columns: dict[str, sa.Column], *names: str) -> sa.Column | None:
    return next((columns[n] for n in names if n in columns), None)


def openstack_catalog(raw: dict[str, str], timeout: float) -> list[tuple[str, str]]:
    """(service type, URL) of each endpoint of the controller's interface, from Keystone."""
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    auth = v3.Password(
        auth_url=raw["openstack.auth_url"],
        username=raw["openstack.username"],
        password=raw["openstack.password"],
        project_name=raw["openstack.project_name"],
        user_domain_name=raw.get("openstack.user_domain_name", "Default"),
        project_domain_name=raw.get("openstack.project_domain_name", "Default"),
    )
    verify = raw.get("openstack.verify", "true").strip().lower() not in ("false", "0", "no")
    session = ks_session.Session(auth=auth, verify=verify, timeout=timeout)
    access = auth.get_access(session)
    interface = raw.get("openstack.interface", "public").strip() or "public"
    endpoints = []
    for entry in access.service_catalog.catalog:
        for endpoint in entry.get("endpoints", []):
            if endpoint.get("interface") == interface:
                endpoints.append((entry.get("type", "?"), endpoint["url"]))
    return sorted(endpoints)


def endpoint(url: str, timeout: float) -> tuple[str, str]:
    """Any HTTP answer below 500 means the endpoint is listening and its app is up."""
    response = requests.get(url, timeout=timeout, allow_redirects=False)
    if response.status_code >= 500:
        return f"{url} HTTP {response.status_code}", f"{url} answered {response.status_code}"
    return f"{url} HTTP {response.status_code}", ""
