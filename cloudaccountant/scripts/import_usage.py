"""``import_usage <ini> <START DATE> <END DATE>``: import the controllers' usage for the range.

For every ``sqlalchemy.cloud.<id>.<type>.url`` (types ``instances``, ``storage``,
``user_storage``; ``users`` maps system users to Cloud Auth users) the daily rows of each day
of the range are computed and upserted. Re-running over the same dates modifies rows, never
duplicates them (seed 1.10.5).
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from cloudaccountant.importing.controller import ControllerImporter, read_only_engine, user_map
from cloudaccountant.importing.runs import RunRecorder
from cloudaccountant.scripts._cli import (
    UsageError,
    add_range_arguments,
    date_range,
    fail,
    import_engine,
    load_settings,
)
from common.clock import system_clock
from common.console import console_script

PROG = "import_usage"
FAMILIES = (
    ("instances", "server-instance"),
    ("storage", "storage"),
    ("user_storage", "user storage"),
)


@console_script("import_usage")
def main(argv=None, clock=system_clock) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    add_range_arguments(parser)
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.ini)
        first, last = date_range(args.start, args.end)
        controllers = [
            c
            for c in settings.controllers
            if any(kind in c.urls for kind, _ in FAMILIES) and args.controller in (None, c.id)
        ]
        if not controllers:
            raise UsageError("no sqlalchemy.cloud.<id>.{instances,storage,user_storage}.url is set")
    except UsageError as exc:
        return fail(PROG, str(exc))
    engine = import_engine(settings.db_url)
    status = 0
    run = RunRecorder(engine, "usage", clock)
    try:
        run.start(first, last, [cc.id for cc in controllers])
        for cc in controllers:
            importer = ControllerImporter(engine, cc.id, settings.timezone, clock)
            users = _users(cc)
            for kind, label in FAMILIES:
                if kind not in cc.urls:
                    continue
                source = read_only_engine(cc.urls[kind])
                try:
                    if kind == "instances":
                        count = importer.server_instances(source, first, last)
                    elif kind == "storage":
                        count = importer.storage(source, first, last)
                    else:
                        count = importer.user_storage(source, first, last, users)
                    run.add(written=count)
                    print(f"{PROG}: controller {cc.id}: {count} daily {label} rows written")
                except SQLAlchemyError as exc:
                    detail = getattr(exc, "orig", None) or exc
                    status = fail(PROG, f"controller {cc.id} {kind}: {detail}", 1)
                finally:
                    source.dispose()
        run.finish(status)
    except SQLAlchemyError as exc:  # the accountant's own database: nothing could be recorded
        status = fail(PROG, f"accountant database: {getattr(exc, 'orig', None) or exc}", 1)
    finally:
        engine.dispose()
    return status


def _users(cc) -> dict[str, str]:
    if "users" not in cc.urls:
        return {}
    source = read_only_engine(cc.urls["users"])
    try:
        return user_map(source)
    except SQLAlchemyError:
        return {}  # mapping is a nicety here: samples already name their user when known
    finally:
        source.dispose()


if __name__ == "__main__":
    sys.exit(main())
