"""A bad ``.ini`` stops a service or a console script with one line naming the problem.

Two wrappers, for the two ways an ``.ini`` is read:

- ``config_errors_exit(app)`` around an app's ``main`` (what ``pserve``, mod_wsgi and ``scm-demo``
  call): a :class:`ConfigError` becomes ``SystemExit("<app>: <message>")``, which Python prints
  as that one line (exit status 1) where a traceback was printed.
- ``console_script(prog)`` around a console script's ``main``: a setting refused by the app, an
  ``.ini`` that cannot be read, or an undefined ``%(var)s`` in it is printed as
  ``<prog>: <message>`` on stderr, and the script returns 2.
"""

from __future__ import annotations

import configparser
import functools
import re
import sys
from collections.abc import Callable

from common.settings import ConfigError

USAGE_STATUS = 2  # what argparse returns for a bad command line; a bad .ini is the same kind
_IN_FILE = re.compile(r"^Error in file (.+?): ")  # PasteDeploy's prefix to configparser errors


def describe(exc: BaseException) -> str:
    """One line about a configuration problem, naming the setting where there is one."""
    if isinstance(exc, configparser.InterpolationMissingOptionError):
        where = _IN_FILE.match(str(exc))
        prefix = f"{where.group(1)}: " if where else ""
        return (
            f"{prefix}setting {exc.option} (section [{exc.section}]) uses %({exc.reference})s, "
            "which is not defined"
        )
    if isinstance(exc, FileNotFoundError):
        return f"cannot read {exc.filename}: no such file"
    return " ".join(str(exc).split())  # configparser's messages span lines


def config_errors_exit(app: str) -> Callable:
    def wrap(main: Callable) -> Callable:
        @functools.wraps(main)
        def factory(global_config, **settings):
            try:
                return main(global_config, **settings)
            except ConfigError as exc:
                raise SystemExit(f"{app}: {describe(exc)}") from None

        return factory

    return wrap


def console_script(prog: str) -> Callable:
    def wrap(main: Callable) -> Callable:
        @functools.wraps(main)
        def run(*args, **kwargs):
            try:
                return main(*args, **kwargs)
            except (ConfigError, configparser.Error, FileNotFoundError) as exc:
                print(f"{prog}: {describe(exc)}", file=sys.stderr)
                return USAGE_STATUS
            except SystemExit as exc:
                # An app's main stopped on its settings (config_errors_exit): the message
                # names the app; the script's name is what the operator typed.
                if isinstance(exc.code, str):
                    print(f"{prog}: {exc.code}", file=sys.stderr)
                    return USAGE_STATUS
                raise

        return run

    return wrap
