"""bench/export.py at a tenth of its size: the writer within 3x of csv.writer, the validator
within 2.5x of csv.reader over the written files, memory flat.

The full run (500,000 bookings) is `.venv/bin/python bench/export.py`; this keeps the
requirement from regressing unnoticed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "export.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("kontor_bench_export", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_writer_and_validator_within_their_limits_and_memory_flat(bench, tmp_path):
    n = 50_000
    baseline = bench.baseline(n, tmp_path)
    kontor, files = bench.kontor(n, tmp_path)
    assert kontor <= bench.MAX_WRITER_RATIO * baseline, (kontor, baseline)
    assert sum(f.bookings for f in files) == n
    paths = [f.path for f in files]
    reading = bench.reading_baseline(paths)
    validating, valid = bench.validation(paths)
    assert valid
    assert validating <= bench.MAX_VALIDATOR_RATIO * reading, (validating, reading)
    small, large = bench.peak_memory(n // 10, tmp_path), bench.peak_memory(n, tmp_path)
    assert large <= 1.5 * small + 1_000_000, (small, large)
