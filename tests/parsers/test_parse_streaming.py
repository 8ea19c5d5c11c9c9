"""Flat memory and purity: the parsers stream and never need Flask."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from decimal import Decimal
from pathlib import Path

from parsers import read_report
from tests.parsers.amazon_builders import Line, Settlement, Variant, settlement_v2

ROOT = Path(__file__).resolve().parents[2]


def test_parsers_import_no_flask():
    code = "import sys, parsers; assert 'flask' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def peak_while_parsing(path: Path) -> int:
    tracemalloc.start()
    try:
        report = read_report(path)
        assert sum(1 for _ in report.lines()) == report.line_count
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def settlement_file(tmp_path: Path, n: int) -> Path:
    lines = tuple(
        Line(Decimal(i % 500).scaleb(-2), order_id=f"302-{i:07d}-0000001", sku=f"SKU-{i}")
        for i in range(n)
    )
    path = tmp_path / f"settlement-{n}.txt"
    path.write_bytes(settlement_v2(Settlement(lines=lines), Variant(newline="\r\n")))
    return path


def test_memory_stays_flat_whatever_the_file_size(tmp_path):
    small = peak_while_parsing(settlement_file(tmp_path, 1_000))
    large_file = settlement_file(tmp_path, 5_000)
    large = peak_while_parsing(large_file)

    # Five times the rows, the same peak (I/O buffers and bounded caches only).
    assert large_file.stat().st_size > 800_000
    assert large < small * 1.2 + 100_000, f"{small=} {large=}"
