"""``cloudauth-service-account <ini> --email E --role R``: create (or update) the account a
Cloud Controller or Cloud Accountant uses to call Cloud Auth (seed 1.7.2), and optionally
register the cloud controller. Prints the API key, and the secret when one was generated now.
An explicit secret is read from stdin (``--api-key K --secret-from-stdin``), never from argv."""

from __future__ import annotations

import argparse
import sys

from pyramid.paster import bootstrap

from cloudauth.bootstrap import SERVICE_ROLES, Installation
from common.console import console_script
from common.errors import APIError


@console_script("cloudauth-service-account")
def main(argv=None, stdin=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ini")
    parser.add_argument("--email", required=True)
    parser.add_argument("--role", required=True, choices=SERVICE_ROLES)
    parser.add_argument("--api-key")
    parser.add_argument("--secret-from-stdin", action="store_true")
    parser.add_argument("--cloud-controller-id", type=int)
    parser.add_argument("--cloud-controller-name")
    args = parser.parse_args(argv)
    secret = None
    if args.secret_from_stdin:
        secret = (stdin or sys.stdin).readline().rstrip("\r\n")
    if bool(args.api_key) != bool(secret):
        print(
            "cloudauth-service-account: give --api-key and --secret-from-stdin together",
            file=sys.stderr,
        )
        return 2
    with bootstrap(args.ini) as env:
        request = env["request"]
        try:
            with request.tm:
                installation = request.find_service(Installation)
                user, key, new_secret = installation.ensure_service_account(
                    args.email,
                    args.role,
                    args.api_key,
                    secret,
                )
                userid = user.id
                if args.cloud_controller_id:
                    installation.ensure_cloud_controller(
                        args.cloud_controller_id,
                        args.cloud_controller_name or f"controller-{args.cloud_controller_id}",
                    )
        except APIError as exc:
            print(f"cloudauth-service-account: {exc.message}", file=sys.stderr)
            return 1
    print(f"userid     {userid}\napi_key    {key}")
    if new_secret:
        print(f"api_secret {new_secret}    (shown once: put it in the service's .ini now)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
