"""Parsing started before the run (``process.prefetch``) gives the parse step exactly what parsing
then would: the same reports, in the run's order, and nothing from a register the run did not load."""

from __future__ import annotations

import pytest
from test_pipeline import AS_OF, land_sector

from pipeline.handin import landing
from pipeline.programme.signatories import load_register
from pipeline.settings import Paths
from pipeline.synthetic import generate, read_manifest
from pipeline.validation import process


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    sector = tmp_path_factory.mktemp("sector")
    generate(sector, signatories=16, stages=3, seed=8, as_of=AS_OF, workers=1)
    paths = Paths.from_env(tmp_path_factory.mktemp("home"))
    land_sector(sector, paths, read_manifest(sector))
    files = landing.scan(paths.landing)
    assert len(files) >= process.PARALLEL_FROM
    return files, {s.slug: s.name for s in load_register(paths.register)}


def _reports(items) -> list[tuple]:
    return [(p.landed, p.report.plugin, [i.model_dump() for i in p.report.issues],
             p.report.return_.model_dump() if p.report.return_ else None) for p in items]


def _parse(files, names, ahead, names_ahead=None, progress=None) -> list:
    """The parse step's result over ``files`` with ``ahead`` prefetched (read with ``names_ahead``)."""
    prefetched = process.prefetch(ahead, names_ahead or names, workers=2)
    try:
        return process.parse_all(files, names, workers=2, progress=progress, prefetched=prefetched)
    finally:
        prefetched.close()


def test_prefetched_parsing_is_the_parsing_of_the_step(landed):
    files, names = landed
    ticks = []
    parsed = _parse(files, names, files[::-1], progress=ticks.append)  # started in another order
    assert _reports(parsed) == _reports(process.parse_all(files, names, workers=1))
    assert sum(ticks) == len(files)


def test_files_not_prefetched_are_parsed_by_the_step(landed):
    files, names = landed
    assert _reports(_parse(files, names, files[:-5])) == _reports(process.parse_all(files, names, workers=1))


def test_a_prefetch_with_another_register_is_not_used(landed):
    files, names = landed
    other = {slug: name for slug, name in names.items() if slug != files[0].signatory}  # its files: unknown
    assert _reports(_parse(files, names, files, other)) == _reports(process.parse_all(files, names, workers=1))


def test_too_few_files_or_one_worker_start_no_processes(landed):
    files, names = landed
    assert process.prefetch(files[:process.PARALLEL_FROM - 1], names, workers=2) is None
    assert process.prefetch(files, names, workers=1) is None
