"""``scm-status [scm-status.ini]``: is SCM up? (seed 1.18.3, 1.19)

For each service: listening and answering, with its version; Redis; each database, with Galera's
``wsrep_*`` as ``galeraStatus.sh`` shows them; the OpenStack endpoints of the catalog; the
controller workers (by the leases they hold), the instances they claimed and the oldest
unfinished step; the last run of each import where the accountant records them.

A table for people, ``--json`` for monitoring; exit status 1 when anything is down, 2 when the
file itself cannot be used. Each problem is one line saying what to look at. The file
(written by ``scm-make-ini``) names each service's URL and the directory of the four .ini files,
from which the database, Redis and OpenStack settings are read.
"""

from __future__ import annotations

import argparse
import configparser
import datetime as dt
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from scmops import probes

APPS = ("cloudportal", "cloudauth", "cloudaccountant", "cloudcontroller")
DEFAULT_FILE = "/etc/scm/scm-status.ini"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    problem: str = ""  # what to look at, when not ok


class Site:
    """What the status file and the .ini files say; what is missing is recorded, not raised."""

    def __init__(self, path: Path, overrides: dict[str, str]):
        parser = configparser.ConfigParser(interpolation=None)
        if not parser.read(path):
            raise FileNotFoundError(path)
        if not parser.has_section("scm-status"):
            raise ValueError(f"{path}: no [scm-status] section")
        section = parser["scm-status"]
        self.missing: list[Check] = []
        self.urls = {app: section.get(f"{app}.url", "").strip() for app in APPS}
        self.urls.update(overrides)
        self.galera_size = int(section.get("galera.expected_size", "3"))
        self.stuck_after = probes.parse_seconds(section.get("stuck_after", "30m"))
        self.timeout = probes.parse_seconds(section.get("timeout", "5s"))
        ini_dir = Path(section.get("ini_dir", "/var/www/wsgi").strip())
        self.settings: dict[str, dict[str, str]] = {}
        for app in APPS:
            if not self.urls[app]:
                self.missing.append(
                    Check(f"service {app}", False, "no URL", f"set {app}.url in {path}")
                )
            ini = _find_ini(ini_dir, app)
            if ini is None:
                self.missing.append(
                    Check(
                        f"settings {app}",
                        False,
                        "no .ini",
                        f"{app}.ini not found in {ini_dir} (or {ini_dir}/{app}/): "
                        "its database checks are skipped; set ini_dir in " + str(path),
                    )
                )
                continue
            try:
                self.settings[app] = _app_settings(ini)
            except (configparser.Error, KeyError) as exc:
                problem = f"{ini} cannot be read: {' '.join(str(exc).split())}"
                self.missing.append(Check(f"settings {app}", False, "unreadable", problem))

    def setting(self, app: str, *keys: str) -> str | None:
        values = self.settings.get(app, {})
        for key in keys:
            if values.get(key, "").strip():
                return values[key].strip()
        return None


def _find_ini(ini_dir: Path, app: str) -> Path | None:
    for candidate in (ini_dir / f"{app}.ini", ini_dir / app / f"{app}.ini"):
        if candidate.is_file():
            return candidate
    return None


def _app_settings(ini: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ini)
    return dict(parser["app:main"])


def run_checks(site: Site) -> list[Check]:
    checks = list(site.missing)
    for app in APPS:
        if site.urls[app]:
            checks.append(_service(app, site.urls[app], site.timeout))
    redis_urls = {site.setting(app, "cache.url", "session.url") for app in APPS} - {None}
    for url in sorted(u for u in redis_urls if u and u.startswith(("redis", "unix"))):
        checks.append(_check("redis", lambda url=url: probes.redis(url, site.timeout)))
    databases = {
        "cloudauth": site.setting("cloudauth", "sqlalchemy.url"),
        "cloudcontroller": site.setting("cloudcontroller", "sqlalchemy.url"),
        "cloudaccountant": site.setting(
            "cloudaccountant", "sqlalchemy.accountant.url", "sqlalchemy.url"
        ),
        "cloudportal": site.setting("cloudportal", "sqlalchemy.url"),
    }
    for app, url in databases.items():
        if app not in site.settings:
            continue
        if not url:
            checks.append(
                Check(f"database {app}", False, "no URL", f"{app}.ini sets no sqlalchemy.url")
            )
            continue
        checks.append(_check(f"database {app}", lambda url=url: probes.database(url, site)))
    if "cloudcontroller" in site.settings:
        checks.extend(_openstack(site))
        url = databases["cloudcontroller"]
        if url:
            checks.append(_check("workers", lambda: probes.workers(url, site.stuck_after)))
    url = databases["cloudaccountant"]
    if url and "cloudaccountant" in site.settings:
        checks.append(_check("imports", lambda: probes.imports(url)))
    return checks


def _check(name: str, probe) -> Check:
    """Run one probe: (detail, problem) back; anything it raises is that check's problem."""
    try:
        detail, problem = probe()
    except Exception as exc:  # a status tool reports every failure as a line
        text = " ".join(str(exc).split())[:300] or type(exc).__name__
        return Check(name, False, "down", f"{name}: {text}")
    return Check(name, not problem, detail, problem)


def _service(app: str, url: str, timeout: float) -> Check:
    return _check(f"service {app}", lambda: probes.service(app, url, timeout))


def _openstack(site: Site) -> list[Check]:
    keys = ("auth_url", "username", "password", "project_name")
    values = {k: site.setting("cloudcontroller", f"openstack.{k}") for k in keys}
    absent = [f"openstack.{k}" for k, v in values.items() if not v]
    if absent:
        problem = f"cloudcontroller.ini lacks {', '.join(absent)}: OpenStack not checked"
        return [Check("openstack", False, "not configured", problem)]
    try:
        endpoints = probes.openstack_catalog(site.settings["cloudcontroller"], site.timeout)
    except Exception as exc:  # as _check
        text = " ".join(str(exc).split())[:300]
        return [
            Check("openstack keystone", False, "down", f"Keystone {values['auth_url']}: {text}")
        ]
    checks = [Check("openstack keystone", True, f"{len(endpoints)} endpoints in the catalog")]
    for service, url in endpoints:
        checks.append(
            _check(f"openstack {service}", lambda url=url: probes.endpoint(url, site.timeout))
        )
    return checks


def render_table(checks: list[Check]) -> str:
    width = max((len(c.name) for c in checks), default=10)
    lines = [f"{'':4s} {'check':{width}s}  detail"]
    lines += [f"{'ok' if c.ok else 'DOWN':4s} {c.name:{width}s}  {c.detail}" for c in checks]
    problems = [c.problem for c in checks if not c.ok]
    if problems:
        lines += ["", f"{len(problems)} problem(s):"] + [f"- {p}" for p in problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scm-status", description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", default=DEFAULT_FILE, help="scm-status.ini")
    parser.add_argument("--json", action="store_true", help="one JSON document, for monitoring")
    parser.add_argument("--quiet", action="store_true", help="print only the problems")
    parser.add_argument(
        "--url", action="append", default=[], metavar="APP=URL", help="override a service URL"
    )
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.url:
        app, _, url = item.partition("=")
        if app not in APPS or not url.startswith(("http://", "https://")):
            parser.error(f"--url {item!r}: expected one of {', '.join(APPS)}=http(s)://...")
        overrides[app] = url
    try:
        site = Site(Path(args.config), overrides)
    except FileNotFoundError:
        print(
            f"scm-status: cannot read {args.config}: no such file (scm-make-ini writes one)",
            file=sys.stderr,
        )
        return 2
    except (configparser.Error, ValueError) as exc:
        print(f"scm-status: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    checks = run_checks(site)
    down = [c for c in checks if not c.ok]
    if args.json:
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        document = {"ok": not down, "at": stamp, "checks": [asdict(c) for c in checks]}
        print(json.dumps(document, indent=1))
    elif args.quiet:
        for check in down:
            print(check.problem)
    else:
        print(render_table(checks))
    return 1 if down else 0


if __name__ == "__main__":
    sys.exit(main())
