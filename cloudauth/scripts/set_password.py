"""``cloudauth-set-password <ini> <login>``: set any local user's password, admin included
(seed 1.7.5). The new password is read from a prompt (twice) or, when stdin is not a terminal,
from its first line; never from the command line, where other users could read it."""

from __future__ import annotations

import argparse
import getpass
import sys

from pyramid.paster import bootstrap

from cloudauth.users.services import UserService
from common.console import console_script
from common.errors import APIError


def read_password(stdin=sys.stdin) -> str:
    if stdin.isatty():
        first = getpass.getpass("New password: ")
        if first != getpass.getpass("Again: "):
            raise ValueError("the two passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


@console_script("cloudauth-set-password")
def main(argv=None, stdin=None) -> int:
    parser = argparse.ArgumentParser(description="Set a Cloud Auth user's password.")
    parser.add_argument("ini", help="cloudauth.ini")
    parser.add_argument("login", help="login name (e.g. admin) or email")
    args = parser.parse_args(argv)
    try:
        password = read_password(stdin or sys.stdin)
    except ValueError as exc:
        print(f"cloudauth-set-password: {exc}", file=sys.stderr)
        return 1
    with bootstrap(args.ini) as env:
        request = env["request"]
        try:
            with request.tm:
                users = request.find_service(UserService)
                user = users.find_by_login(args.login)
                if user is None:
                    raise APIError(f"no user {args.login!r}")
                # A reset: every session opened with the old password ends.
                revoked = users.set_password(None, user, password, note="console script")
        except APIError as exc:
            print(f"cloudauth-set-password: {exc.message}", file=sys.stderr)
            return 1
    print(f"password of {args.login} changed; {revoked} tokens revoked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
