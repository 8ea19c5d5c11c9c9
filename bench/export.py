"""Benchmark of the EXTF writer and validator: N bookings against bare csv passes.

    .venv/bin/python bench/export.py [--bookings 500000] [--out bench/out]

Writer: both sides consume the same lazily generated bookings (two months, so the writer also
splits files); the baseline writes each booking's values with str() through csv.writer into one
file, Kontor formats and quotes the 125 columns, splits by period, checks every line
(extf_validator.LineChecker) and encodes Windows-1252. The requirement: Kontor takes at most 3x
the baseline's time, judged on the writers alone (the time both spend generating the bookings is
measured separately and subtracted).
Validator: `validate_file` over the written files, the independent check that reads a file back,
against a bare csv.reader pass over the same files; it must take at most 3x that pass, and is
printed against the writer too (issue 10: it took 2.4x the writer).
All times are CPU times of this process (a shared machine disturbs them far less than wall
time). Memory is measured with tracemalloc in a second pass at N/10 and N: the peak must not
grow with the number of bookings.
Exit status 1 if a requirement fails.
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
MAX_WRITER_RATIO = 3  # against csv.writer, the writers alone
MAX_VALIDATOR_RATIO = 2.5  # validate_file against csv.reader over the same files
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
    start = time.process_time()
    for _ in bookings(n):
        pass
    return time.process_time() - start


def baseline(n: int, out: Path) -> float:
    """A bare csv.writer over the same rows: the values as str(), padded to 125 columns."""
    padding = [""] * 110
    start = time.process_time()
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
    return time.process_time() - start


def kontor(n: int, out: Path) -> tuple[float, list]:
    start = time.process_time()
    files = write_batch(bookings(n), SETTINGS, out, name="bench", title="Benchmark")
    return time.process_time() - start, files


def reading_baseline(paths: list[Path]) -> float:
    """A bare csv.reader pass over the files, decoded as Windows-1252."""
    start = time.process_time()
    for path in paths:
        with open(path, newline="", encoding="cp1252") as handle:
            for _ in csv.reader(handle, delimiter=";"):
                pass
    return time.process_time() - start


def validation(paths: list[Path]) -> tuple[float, bool]:
    start = time.process_time()
    valid = all(validate_file(path).ok for path in paths)
    return time.process_time() - start, valid


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
    paths = [f.path for f in files]
    t_read = reading_baseline(paths)
    t_validate, valid = validation(paths)
    validator_ratio = t_validate / t_read
    peak_small = peak_memory(n // 10, args.out)
    peak_full = peak_memory(n, args.out)
    flat = peak_full <= 1.5 * peak_small + 1_000_000

    result = {
        "bookings": n,
        "files": [[f.path.name, f.bookings] for f in files],
        "cpu_s": {
            "baseline_csv_writer": round(t_base, 2),
            "kontor_writer": round(t_kontor, 2),
            "booking_generation": round(t_generate, 2),
            "baseline_csv_reader": round(t_read, 2),
            "validator": round(t_validate, 2),
        },
        "ratio": round(ratio, 2),
        "ratio_writers_only": round(writer_ratio, 2),
        "ratio_validator_to_csv_reader": round(validator_ratio, 2),
        "ratio_validator_to_writer": round(t_validate / max(t_kontor - t_generate, 1e-9), 2),
        "all_files_valid": valid,
        "peak_memory_bytes": {str(n // 10): peak_small, str(n): peak_full},
        "memory_flat": flat,
    }
    print(json.dumps(result, indent=2))
    ok = writer_ratio <= MAX_WRITER_RATIO and validator_ratio <= MAX_VALIDATOR_RATIO
    return 0 if ok and flat and valid else 1


if __name__ == "__main__":
    raise SystemExit(main())
