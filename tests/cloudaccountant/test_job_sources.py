"""The job parsers share one protocol and are chosen by kind from one mapping (issue 10, item 3)."""

from __future__ import annotations

import inspect

import pytest

from cloudaccountant.importing.parsers import JOB_SOURCES, JobSource
from cloudaccountant.importing.records import JobRecord
from tests.cloudaccountant.helpers import SAMPLES

SAMPLE = {
    "slurm": "sacct.txt",
    "pbs": "pbs_20260301",
    "sge": "sge_accounting",
    "uge": "uge_accounting",
}


def test_every_kind_the_scripts_import_has_a_parser():
    assert set(JOB_SOURCES) == {"slurm", "pbs", "sge", "uge"}


@pytest.mark.parametrize("kind", sorted(JOB_SOURCES))
def test_each_parser_is_a_job_source_built_with_the_same_arguments(kind):
    parser = JOB_SOURCES[kind](source=f"{kind}-file", cluster="hpc")
    assert isinstance(parser, JobSource)
    assert (parser.source, parser.cluster, parser.skipped) == (f"{kind}-file", "hpc", 0)
    first = list(inspect.signature(JOB_SOURCES[kind]).parameters)[:2]
    assert first == ["source", "cluster"]


@pytest.mark.parametrize("kind", sorted(JOB_SOURCES))
def test_each_parser_reads_its_sample(kind):
    parser = JOB_SOURCES[kind](source=SAMPLE[kind], cluster="fallback")
    with open(SAMPLES / SAMPLE[kind], "rb") as lines:
        records = [r for r in parser.parse(lines) if isinstance(r, JobRecord)]
    assert records
    assert all(r.cluster for r in records)
