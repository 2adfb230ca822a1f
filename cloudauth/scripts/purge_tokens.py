"""``cloudauth-purge-tokens <ini> [--keep 7d]``: delete token rows (SCW sign-in tokens too) that
expired or were revoked more than ``--keep`` ago (cron it daily; see deploy/cron/). Live tokens
are never touched."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from pyramid.paster import bootstrap
from sqlalchemy import delete, or_

from cloudauth.scw.models import ScwToken
from cloudauth.tokenstore.models import Token
from common.console import console_script
from common.settings import ConfigError, parse_duration


@console_script("cloudauth-purge-tokens")
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ini")
    parser.add_argument("--keep", default="7d", help="how long ended tokens are kept (default 7d)")
    args = parser.parse_args(argv)
    try:
        keep = parse_duration(args.keep, "--keep")
    except ConfigError as exc:
        print(f"cloudauth-purge-tokens: {exc}", file=sys.stderr)
        return 2
    with bootstrap(args.ini) as env:
        request = env["request"]
        cutoff = request.now - dt.timedelta(seconds=keep)
        with request.tm:
            result = request.db.execute(
                delete(Token).where(or_(Token.expires_at < cutoff, Token.revoked_at < cutoff))
            )
            count = result.rowcount
            # One-time SCW sign-in tokens: ended once expired (used or not).
            count += request.db.execute(
                delete(ScwToken).where(ScwToken.expires_at < cutoff)
            ).rowcount
    print(f"purged {count} ended tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
