"""bench/export.py at a tenth of its size: within 3x of csv.writer, memory flat.

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
def test_writer_within_three_times_csv_writer_and_memory_flat(bench, tmp_path):
    n = 50_000
    baseline = bench.baseline(n, tmp_path)
    kontor, files = bench.kontor(n, tmp_path)
    assert kontor <= 3 * baseline, (kontor, baseline)
    assert sum(f.bookings for f in files) == n
    small, large = bench.peak_memory(n // 10, tmp_path), bench.peak_memory(n, tmp_path)
    assert large <= 1.5 * small + 1_000_000, (small, large)
