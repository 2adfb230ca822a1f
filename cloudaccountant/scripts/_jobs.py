"""The body shared by ``import_slurm``, ``import_pbs``, ``import_sge`` and ``import_uge``."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections import Counter

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from cloudaccountant.importing.controller import read_only_engine, user_map
from cloudaccountant.importing.days import range_bounds
from cloudaccountant.importing.jobs import JobImporter
from cloudaccountant.importing.logs import log_files
from cloudaccountant.importing.parsers import JOB_SOURCES
from cloudaccountant.importing.runs import RunRecorder
from cloudaccountant.importing.slurm import SACCT_ENV, sacct_argv
from cloudaccountant.importing.sources import LocalSource, SourceError, parse_location
from cloudaccountant.scripts._cli import (
    UsageError,
    add_range_arguments,
    date_range,
    fail,
    import_engine,
    load_settings,
    report,
)


def main(kind: str, prog: str, doc: str, argv=None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    add_range_arguments(parser)
    option = "--sacct-output" if kind == "slurm" else "--file"
    parser.add_argument(
        option,
        dest="file",
        metavar="PATH",
        help="read this local file instead of the configured source (needs --controller)",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.ini)
        first, last = date_range(args.start, args.end)
        controllers = [
            c
            for c in settings.controllers
            if (c.slurm if kind == "slurm" else c.logs.get(kind)) or args.file
        ]
        if args.controller is not None:
            controllers = [c for c in controllers if c.id == args.controller]
            if not controllers:
                raise UsageError(f"no {kind} source is configured for controller {args.controller}")
        elif args.file:
            raise UsageError(f"{option} needs --controller")
        if not controllers:
            raise UsageError(f"no sqlalchemy.cloud.<id>.{kind}.* source is configured")
    except UsageError as exc:
        return fail(prog, str(exc))
    url = _bulk_load_url(settings.db_url) if settings.bulk_load else settings.db_url
    engine = import_engine(url)
    status = 0
    run = RunRecorder(engine, kind)
    try:
        run.start(first, last, [cc.id for cc in controllers])
        for cc in controllers:
            try:
                status |= _import(prog, kind, settings, engine, cc, first, last, args.file, run)
            except (SourceError, SQLAlchemyError) as exc:
                detail = getattr(exc, "orig", None) or exc
                fail(prog, f"controller {cc.id}: {detail}", 1)
                status = 1
        run.finish(status)
    except SQLAlchemyError as exc:  # the accountant's own database: nothing could be recorded
        status = fail(prog, f"accountant database: {getattr(exc, 'orig', None) or exc}", 1)
    finally:
        engine.dispose()
    return status


def _bulk_load_url(url: str) -> str:
    """The accountant's URL with the client's LOCAL INFILE on (MariaDB/MySQL): the job
    importer loads its batches with ``LOAD DATA LOCAL INFILE`` when the server allows it too.
    Only this engine, which sends only the importer's own batch files, has it on."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "mysql":
        return url
    return parsed.update_query_dict({"local_infile": "1"}).render_as_string(hide_password=False)


def _import(prog, kind, settings, engine, cc, first, last, file, run: RunRecorder) -> int:
    users = {}
    if "users" in cc.urls:
        source_engine = read_only_engine(cc.urls["users"])
        try:
            users = user_map(source_engine)
        finally:
            source_engine.dispose()
    importer = JobImporter(engine, cc.id, kind, settings.timezone, users, settings.batch_size)
    totals = {"imported": 0, "rejected": 0, "skipped": 0, "outside": 0}
    seconds = {"jobs": 0.0, "days": 0.0}
    reasons: Counter[str] = Counter()
    span: list = []  # the first and last day any input's jobs ran in
    try:
        for parser, opened in _inputs(kind, settings, cc, first, last, file):
            with opened as lines:
                # Several inputs (PBS writes a file a day) share one day rebuild, below.
                result = importer.run(parser.parse(lines), first, last, report, rebuild=False)
            if result.summary_days:
                low, high = result.summary_days
                span = [min(low, span[0]), max(high, span[1])] if span else [low, high]
            totals["imported"] += result.imported
            totals["rejected"] += result.rejected_count
            totals["skipped"] += parser.skipped
            reasons.update(getattr(parser, "skip_reasons", {}))
            run.add(
                read=result.imported + result.outside + result.rejected_count + parser.skipped,
                written=result.imported,
                rejected=result.rejected_count,
            )
            totals["outside"] += result.outside
            seconds["jobs"] += result.jobs_seconds
    finally:
        # Also when a later input fails: the days of the jobs written so far are right.
        if span:
            started = time.perf_counter()
            importer.summarise(*span)
            seconds["days"] = time.perf_counter() - started
    sys.stderr.flush()
    why = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
    print(
        f"{prog}: controller {cc.id}: {totals['imported']} jobs imported, "
        f"{totals['rejected']} lines rejected, {totals['skipped']} skipped "
        f"({why or 'steps, not run, not ended'}), {totals['outside']} ended outside "
        f"{first}..{last}; jobs written in {seconds['jobs']:.2f} s, daily rows in "
        f"{seconds['days']:.2f} s"
    )
    return 1 if totals["rejected"] else 0


def _inputs(kind, settings, cc, first, last, file):
    """``(parser, context manager of lines)`` for each input to read."""
    parser_of = JOB_SOURCES[kind]
    if kind == "slurm":  # sacct is a command to run; the others write files
        cluster = (cc.slurm.cluster if cc.slurm else None) or "default"
        if file:
            yield parser_of(file, cluster), _open_local(file)
            return
        source, _ = parse_location(cc.slurm.server, settings.ssh_options)
        start, end = range_bounds(first, last, settings.timezone)
        label = f"sacct@{source.label}"
        argv = sacct_argv(cc.slurm.sacct, start, end, cc.slurm.cluster)
        yield parser_of(label, cluster), source.run(argv, SACCT_ENV)
        return
    log = cc.logs.get(kind)
    cluster = log.cluster if log else "default"
    if file:
        paths, source = [file], LocalSource()
    else:
        source, path = parse_location(log.path, settings.ssh_options)
        paths = log_files(source, path, kind, first, last)
    for path in paths:
        label = path if isinstance(source, LocalSource) else f"{source.label}{path}"
        yield parser_of(label, cluster), source.open(path)


@contextlib.contextmanager
def _open_local(path: str):
    if path == "-":
        yield iter(sys.stdin.buffer)
        return
    with LocalSource().open(path) as lines:
        yield lines
