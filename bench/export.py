"""Benchmark of the EXTF writer: N bookings against a bare csv.writer over the same rows.

    .venv/bin/python bench/export.py [--bookings 500000] [--out bench/out]

Both sides consume the same lazily generated bookings (two months, so the writer also splits
files); the baseline writes each booking's values with str() through csv.writer into one file,
Kontor formats and quotes the 125 columns, splits by period and encodes Windows-1252. The
requirement: Kontor takes at most 3x the baseline's time, judged on the writers alone (the time
both spend generating the bookings is measured separately and subtracted). Memory is measured
with tracemalloc in a second pass at N/10 and N: the peak must not grow with the number of
bookings.
Exit status 1 if either requirement fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datev.bookings import Booking
from datev.extf_validator import validate_file
from datev.extf_writer import write_batch
from datev.settings import BatchSettings

SETTINGS = BatchSettings(berater=1001, mandant=1)
FIRST_DAY = date(2024, 9, 1)
AMOUNTS = [Decimal(f"{i}.{i % 100:02d}") for i in range(1, 1000)]


def bookings(n: int):
    """Deterministic, realistic bookings over 61 days (September and October)."""
    for i in range(n):
        order = f"302-{i % 9_999_999:07d}-{(i * 7) % 9_999_999:07d}"
        yield Booking(
            amount=AMOUNTS[i % len(AMOUNTS)],
            side="S" if i % 3 else "H",
            account="1210",
            contra_account="10000" if i % 2 else "4760",
            date=FIRST_DAY + timedelta(days=i % 61),
            tax_key="" if i % 2 else "9",
            document_no=order,
            text=f"Amazon {order} Order/ItemPrice",
            settlement_ref="12345678901",
            rule="Order/ItemPrice -> 10000",
            source=f"Abrechnung 12345678901 Zeile {i + 2}",
        )


def generation_only(n: int) -> float:
    """What both sides spend making the bookings; subtracted to compare the writers alone."""
    start = time.perf_counter()
    for _ in bookings(n):
        pass
    return time.perf_counter() - start


def baseline(n: int, out: Path) -> float:
    """A bare csv.writer over the same rows: the values as str(), padded to 125 columns."""
    padding = [""] * 110
    start = time.perf_counter()
    with open(out / "baseline.csv", "w", newline="", encoding="cp1252") as handle:
        writer = csv.writer(handle, delimiter=";")
        for b in bookings(n):
            writer.writerow(
                [
                    str(b.amount), b.side, b.currency, str(b.account), str(b.contra_account),
                    b.tax_key, str(b.date), b.document_no, b.text, b.settlement_ref, b.rule,
                    b.source, "", "", "0", *padding,
                ]
            )  # fmt: skip
    return time.perf_counter() - start


def kontor(n: int, out: Path) -> tuple[float, list]:
    start = time.perf_counter()
    files = write_batch(bookings(n), SETTINGS, out, name="bench", title="Benchmark")
    return time.perf_counter() - start, files


def peak_memory(n: int, out: Path) -> int:
    tracemalloc.start()
    try:
        write_batch(bookings(n), SETTINGS, out, name="memory", title="Benchmark")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=500_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    n = args.bookings
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)

    t_generate = generation_only(n)
    t_base = baseline(n, args.out)
    t_kontor, files = kontor(n, args.out)
    ratio = t_kontor / t_base
    # The stricter reading: the writers alone, without the shared cost of making the bookings.
    writer_ratio = (t_kontor - t_generate) / max(t_base - t_generate, 1e-9)
    start = time.perf_counter()
    valid = all(validate_file(f.path).ok for f in files)
    t_validate = time.perf_counter() - start
    peak_small = peak_memory(n // 10, args.out)
    peak_full = peak_memory(n, args.out)
    flat = peak_full <= 1.5 * peak_small + 1_000_000

    result = {
        "bookings": n,
        "files": [[f.path.name, f.bookings] for f in files],
        "baseline_csv_writer_s": round(t_base, 2),
        "kontor_writer_s": round(t_kontor, 2),
        "booking_generation_s": round(t_generate, 2),
        "ratio": round(ratio, 2),
        "ratio_writers_only": round(writer_ratio, 2),
        "validator_s": round(t_validate, 2),
        "all_files_valid": valid,
        "peak_memory_bytes": {str(n // 10): peak_small, str(n): peak_full},
        "memory_flat": flat,
    }
    print(json.dumps(result, indent=2))
    return 0 if writer_ratio <= 3 and flat and valid else 1


if __name__ == "__main__":
    raise SystemExit(main())
