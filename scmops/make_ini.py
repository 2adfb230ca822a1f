"""``scm-make-ini``: write a coherent set of the four production ``.ini`` files (and the
``scm-status.ini`` that names the services) from a few answers, generating every secret.

What is generated, so that no operator copies a key between files by hand:

- Cloud Auth's ``apikey.encryption_keys`` (a Fernet key that seals API secrets at rest);
- the Cloud Controller's service account (``cloudauth.api_key`` / ``cloudauth.api_secret``),
  which Cloud Auth learns with the ``cloudauth-service-account`` line this command prints.

The portal keeps its sessions server-side in Redis under random ids, and the accountant only
checks tokens, so neither has a secret of its own. The OpenStack password is not generated (the
site has one): it is read from ``SCM_OPENSTACK_PASSWORD`` or asked for, never from argv.
Every setting not written here keeps its default; ``ini/<app>.ini`` documents them all.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import string
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from common.settings import ConfigError, parse_networks

APPS = ("cloudportal", "cloudauth", "cloudaccountant", "cloudcontroller")
_KEY_ALPHABET = string.ascii_letters + string.digits


def _random(length: int) -> str:
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(length))


def _logging(app: str, log_file: str) -> str:
    # The app's own JSON log (seed 1.19.1: /var/www/wsgi/<app>/<app>.log); Apache's logs go to
    # /var/log/httpd/<app>/ from the vhost.
    return f"""
[loggers]
keys = root

[handlers]
keys = file

[formatters]
keys = json

[logger_root]
level = INFO
handlers = file

[handler_file]
class = handlers.WatchedFileHandler
args = ({log_file!r},)
level = NOTSET
formatter = json

[formatter_json]
class = common.logs.JSONFormatter
"""


def _section(use: str, settings: dict[str, str]) -> str:
    lines = ["[app:main]", f"use = egg:scm#{use}"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def build(answers: argparse.Namespace, openstack_password: str) -> dict[str, str]:
    """The text of each file, by file name."""
    domain = answers.domain
    urls = {
        "cloudportal": answers.portal_url or f"https://{domain}",
        "cloudauth": answers.auth_url or f"https://auth.{domain}",
        "cloudaccountant": answers.accountant_url or f"https://accountant.{domain}",
        "cloudcontroller": answers.controller_url or f"https://controller.{domain}",
    }
    cc = str(answers.controller_id)
    api_key, api_secret = f"cc{cc}-{_random(22)}", _random(40)
    proxies = " ".join(answers.trusted_proxies)
    redis = answers.redis_url
    common = {"cache.url": redis, "cache.prefix": answers.cache_prefix, "trusted_proxies": proxies}
    verify = answers.ca_file or "true"
    log = {app: str(Path(answers.wsgi_root) / app / f"{app}.log") for app in APPS}
    files = {}
    files["cloudauth.ini"] = _section(
        "cloudauth",
        {
            "sqlalchemy.url": answers.auth_db,
            **common,
            "apikey.encryption_keys": Fernet.generate_key().decode(),
            # The portal's hosts, as Cloud Auth sees them (after trusted_proxies).
            "login_allowed.hosts": " ".join(answers.scm_hosts),
            "authenticate_allowed.hosts": "",
            "token.lifetime": "12h",
        },
    ) + _logging("cloudauth", log["cloudauth"])
    files["cloudcontroller.ini"] = _section(
        "cloudcontroller",
        {
            "sqlalchemy.url": answers.controller_db,
            "cloud_controller_id": cc,
            "cloudauth.url": urls["cloudauth"],
            "cloudauth.api_key": api_key,
            "cloudauth.api_secret": api_secret,
            "cloudauth.verify_tls": verify,
            **common,
            "openstack.auth_url": answers.openstack_auth_url,
            "openstack.username": answers.openstack_username,
            "openstack.password": openstack_password,
            "openstack.project_name": answers.openstack_project,
            "openstack.verify": verify,
        },
    ) + _logging("cloudcontroller", log["cloudcontroller"])
    # The accountant reads the controller's usage tables (seed 1.10.3); a read-only user is
    # enough (--accountant-reads-controller-as).
    reads = answers.accountant_reads_controller_as or answers.controller_db
    files["cloudaccountant.ini"] = _section(
        "cloudaccountant",
        {
            "sqlalchemy.accountant.url": answers.accountant_db,
            **{f"sqlalchemy.cloud.{cc}.{kind}.url": reads for kind in _USAGE_TABLES},
            "cloudauth.url": urls["cloudauth"],
            "cloudauth.verify_tls": verify,
            **common,
            "accounting.timezone": answers.timezone,
        },
    ) + _logging("cloudaccountant", log["cloudaccountant"])
    controller = urls["cloudcontroller"].split("://", 1)
    files["cloudportal.ini"] = _section(
        "cloudportal",
        {
            "sqlalchemy.url": answers.portal_db,
            "cloudauth.url": urls["cloudauth"],
            "cloudaccountant.url": urls["cloudaccountant"],
            "backend.verify_tls": verify,
            f"cloudcon.{cc}.name": answers.controller_name,
            f"cloudcon.{cc}.api_endpoint": controller[1].rstrip("/"),
            f"cloudcon.{cc}.api_ssl": "true" if controller[0] == "https" else "false",
            "session.url": redis,
            "session.cookie_secure": "true" if urls["cloudportal"].startswith("https") else "false",
            # links in the registration and password mails point here
            "site.url": urls["cloudportal"],
        },
    ) + _logging("cloudportal", log["cloudportal"])
    files["scm-status.ini"] = (
        "[scm-status]\n"
        + "".join(f"{app}.url = {urls[app]}\n" for app in APPS)
        + f"ini_dir = {answers.install_dir}\n"
    )
    return files


_USAGE_TABLES = ("instances", "storage", "user_storage", "users")


def _check(answers: argparse.Namespace) -> None:
    for name in ("auth_db", "controller_db", "accountant_db", "portal_db"):
        value = getattr(answers, name)
        try:
            make_url(value)
        except ArgumentError:
            option = "--" + name.replace("_", "-")
            raise ConfigError(f"{option}: {value!r} is not a database URL") from None
    if not answers.redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"--redis-url must be redis://..., not {answers.redis_url!r}")
    parse_networks(answers.scm_hosts, "--scm-hosts")
    parse_networks(answers.trusted_proxies, "--trusted-proxies")
    if not answers.domain or any(c.isspace() or c in "/:" for c in answers.domain):
        raise ConfigError(f"--domain must be a host name, not {answers.domain!r}")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scm-make-ini", description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="directory to write the files into")
    p.add_argument("--force", action="store_true", help="overwrite files already there")
    p.add_argument("--domain", required=True, help="portal host name; the APIs get auth., ...")
    for app in ("portal", "auth", "accountant", "controller"):
        p.add_argument(f"--{app}-url", help=f"public URL of the {app} (default from --domain)")
    for app in ("auth", "controller", "accountant", "portal"):
        p.add_argument(f"--{app}-db", required=True, help=f"SQLAlchemy URL of the {app} database")
    p.add_argument("--accountant-reads-controller-as", help="a read-only URL of the same DB")
    p.add_argument("--redis-url", required=True)
    p.add_argument("--cache-prefix", default="scm:")
    p.add_argument(
        "--scm-hosts", nargs="+", default=["127.0.0.1", "::1"], help="addresses of the SCM hosts"
    )
    p.add_argument("--trusted-proxies", nargs="*", default=[], help="HAProxy addresses")
    p.add_argument("--controller-id", type=int, default=1)
    p.add_argument("--controller-name", default="Cloud")
    p.add_argument("--openstack-auth-url", required=True)
    p.add_argument("--openstack-username", default="scm")
    p.add_argument("--openstack-project", default="scm")
    p.add_argument("--ca-file", help="CA bundle the services use to check each other's TLS")
    p.add_argument("--timezone", default="UTC", help="accounting.timezone")
    p.add_argument("--wsgi-root", default="/var/www/wsgi", help="where <app>/<app>.log live")
    p.add_argument(
        "--install-dir", default="/var/www/wsgi", help="where the .ini files will be installed"
    )
    return p


def _openstack_password(stdin) -> str:
    password = os.environ.get("SCM_OPENSTACK_PASSWORD")
    if password:
        return password
    if stdin.isatty():
        return getpass.getpass("OpenStack password: ")
    line = stdin.readline().rstrip("\r\n")
    if not line:
        raise ConfigError("the OpenStack password: set SCM_OPENSTACK_PASSWORD or give it on stdin")
    return line


def main(argv: list[str] | None = None, stdin=None) -> int:
    answers = parser().parse_args(argv)
    try:
        _check(answers)
        out = Path(answers.out)
        names = [f"{app}.ini" for app in APPS] + ["scm-status.ini"]
        existing = [n for n in names if (out / n).exists()]
        if existing and not answers.force:
            raise ConfigError(f"{out / existing[0]} exists (--force to overwrite)")
        files = build(answers, _openstack_password(stdin or sys.stdin))
    except ConfigError as exc:
        print(f"scm-make-ini: {exc}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = out / name
        # Secrets inside: readable by the owner (root) and the group (the Apache user's).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(path, 0o640)
    cc = answers.controller_id
    print(
        f"wrote {', '.join(files)} in {out}\n"
        "next: create the databases, run initialize_cloudauth_db, initialize_cloudcontroller_db,\n"
        "initialize_accountant_db and initialize_cloudportal_db on these files, then register\n"
        "the controller's service account in Cloud Auth:\n"
        f"  sed -n 's/^cloudauth.api_secret = //p' {out}/cloudcontroller.ini | \\\n"
        f"    cloudauth-service-account {out}/cloudauth.ini --email cloudcontroller{cc}@"
        f"{answers.domain} \\\n"
        f"    --role cloudcontroller_admin --cloud-controller-id {cc} \\\n"
        f"    --api-key $(sed -n 's/^cloudauth.api_key = //p' {out}/cloudcontroller.ini) "
        "--secret-from-stdin"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
