"""Benchmark the Amazon report parsers against a bare csv.reader pass over the same file.

    .venv/bin/python bench/parse.py                # 500,000 settlement lines, 200,000 VAT rows
    .venv/bin/python bench/parse.py --lines 100000 --vat-rows 50000
    .venv/bin/python bench/parse.py --size-mb 500 --vat-rows 0   # a settlement of >= 500 MB

The files are generated (streamed) into a fresh temporary folder (or --out DIR) and
removed afterwards unless --keep. Every measurement runs in its own child process,
so "peak memory" is the peak RSS of a process that does nothing but that one pass
(Python itself included); with --repeat N the fastest of N runs counts. The ratio
is taken on CPU time, which a busy shared machine disturbs far less than wall time. Measured: a
bare csv.reader pass (the baseline), `read_report` (the complete validating pass,
what an upload costs) and `read_report` plus one full iteration of `lines()` /
`rows()` (two passes, typed records: what `flask datev convert` costs) and
`reading_report` (validating while it yields the typed records: what an import costs). The
limit of 2.5x applies to `read_report`, the pass that parses and checks every cell;
the records pass alone is printed too.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAT_TEMPLATE = ROOT / "tests" / "fixtures" / "amazon" / "vat-transactions-2020-02-de-seller.txt"
MAX_RATIO = 2.5
MAX_PEAK_MB = 100

V2_HEADER = (
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"
    "currency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\t"
    "marketplace-name\tamount-type\tamount-description\tamount\tfulfillment-id\tposted-date\t"
    "posted-date-time\torder-item-code\tmerchant-order-item-id\tmerchant-adjustment-item-id\tsku\t"
    "quantity-purchased\tpromotion-id"
)
# What one order item produces in a real V2 file: (amount-type, description, share of price).
ORDER_COMPONENTS = (
    ("ItemPrice", "Principal", Decimal("1")),
    ("ItemPrice", "Tax", Decimal("0.19")),
    ("ItemFees", "Commission", Decimal("-0.15")),
    ("ItemFees", "FBAPerUnitFulfillmentFee", None),
    ("Promotion", "Shipping", Decimal("-0.02")),
)


def generate_settlement(path: Path, lines: int | None, size_mb: int | None, seed: int = 1) -> int:
    """Write a settlement V2 file of `lines` component lines (or >= size_mb MB); returns lines."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 7, 0, 0, tzinfo=UTC)
    posted = start
    total = Decimal(0)
    written = 0
    target_bytes = size_mb * 1024 * 1024 if size_mb else None
    body = path.with_suffix(".body")
    with open(body, "w", encoding="utf-8", newline="") as f:
        order = 0
        while (target_bytes is None and written < lines) or (
            target_bytes is not None and f.tell() < target_bytes
        ):
            order += 1
            posted += timedelta(seconds=rng.randint(1, 90))
            order_id = f"302-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}"
            price = Decimal(rng.randint(499, 19999)).scaleb(-2)
            sku = f"SKU-{rng.randint(1, 400):04d}"
            fixed = (
                f"12345678901\t\t\t\t\t\tOrder\t{order_id}\t{order_id}\t\tD{order:09d}\tAmazon.de\t"
            )
            tail_time = (
                f"AFN\t{posted:%Y-%m-%d}\t{posted:%Y-%m-%d %H:%M:%S} UTC\t{order:014d}\t\t\t"
            )
            for amount_type, description, share in ORDER_COMPONENTS:
                if target_bytes is None and written >= lines:
                    break
                if share is None:
                    amount = -Decimal(rng.choice((270, 305, 341, 418, 522))).scaleb(-2)
                else:
                    amount = (price * share).quantize(Decimal("0.01"))
                total += amount
                written += 1
                f.write(f"{fixed}{amount_type}\t{description}\t{amount}\t{tail_time}{sku}\t1\t\r\n")
    end = posted + timedelta(seconds=1)
    summary = (
        f"12345678901\t{start:%Y-%m-%d %H:%M:%S} UTC\t{end:%Y-%m-%d %H:%M:%S} UTC\t"
        f"{end + timedelta(days=2):%Y-%m-%d %H:%M:%S} UTC\t{total}\tEUR" + "\t" * 18
    )
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(V2_HEADER + "\r\n" + summary + "\r\n")
    with open(path, "ab") as out, open(body, "rb") as src:
        while chunk := src.read(1 << 20):
            out.write(chunk)
    body.unlink()
    return written


def generate_vat(path: Path, rows: int, seed: int = 2) -> None:
    """Write a VAT Transactions Report of `rows` rows, varied from the real sample's rows."""
    rng = random.Random(seed)
    with open(VAT_TEMPLATE, encoding="utf-8", newline="") as f:
        template = list(csv.reader(f, delimiter="\t"))
    header, samples = template[0], template[1:]
    event = header.index("TRANSACTION_EVENT_ID")
    complete = header.index("TRANSACTION_COMPLETE_DATE")
    incl = header.index("TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\t".join(header) + "\r\n")
        for i in range(rows):
            row = list(rng.choice(samples))
            row[event] = f"30{i % 10}-{rng.randint(0, 9999999):07d}-{i:07d}"
            if row[complete]:
                row[complete] = f"{rng.randint(1, 28):02d}-02-2020"
            if row[incl]:
                row[incl] = str(Decimal(row[incl]) + Decimal(rng.randint(0, 99)).scaleb(-2))
            f.write("\t".join(row) + "\r\n")


def child(mode: str, path: str) -> None:
    """One measured pass in this (fresh) process; prints seconds and peak RSS as JSON."""
    sys.path.insert(0, str(ROOT))
    # imported here: their cost stays out of the baseline
    from parsers import read_report, reading_report

    began, cpu = time.perf_counter(), time.process_time()
    if mode == "csv":
        with open(path, encoding="utf-8", newline="") as f:
            for _row in csv.reader(f, delimiter="\t"):
                pass
        count = None
    elif mode == "read":
        report = read_report(path)
        count = report.line_count if report.kind == "payout" else report.row_count
    elif mode == "once":
        with reading_report(path) as reading:
            records = reading.lines() if reading.kind == "payout" else reading.rows()
            count = sum(1 for _ in records)
    else:
        report = read_report(path)
        records = report.lines() if report.kind == "payout" else report.rows()
        count = sum(1 for _ in records)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_kb / 1024, "count": count}))


def measure(mode: str, path: Path, repeat: int) -> dict:
    best = None
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(out)
        if best is None or result["cpu"] < best["cpu"]:
            best = result
    return best


def report_on(label: str, path: Path, repeat: int) -> bool:
    size = path.stat().st_size / 1024 / 1024
    bare = measure("csv", path, repeat)
    read = measure("read", path, repeat)
    full = measure("full", path, repeat)
    once = measure("once", path, repeat)
    # The records pass alone: what lines()/rows() add after the validating pass.
    records = {
        "cpu": full["cpu"] - read["cpu"],
        "seconds": full["seconds"] - read["seconds"],
        "peak_mb": full["peak_mb"],
    }
    # CPU time decides: on a shared machine wall time mostly measures the neighbours.
    ratio = read["cpu"] / bare["cpu"]
    records_ratio = records["cpu"] / bare["cpu"]
    ok = ratio <= MAX_RATIO and max(read["peak_mb"], full["peak_mb"]) < MAX_PEAK_MB
    print(f"{label}: {path.name}, {size:.1f} MB, {read['count']:,} records")
    print("                               cpu s    wall s    peak RSS   cpu ratio")
    for name, m in (
        ("bare csv.reader pass", bare),
        ("read_report (validates)", read),
        ("read_report + lines()/rows()", full),
        ("  lines()/rows() pass alone", records),
        ("reading_report (one pass)", once),
    ):
        print(
            f"  {name:<28} {m['cpu']:7.2f}   {m['seconds']:7.2f}   {m['peak_mb']:6.1f} MB"
            f"   {m['cpu'] / bare['cpu']:5.2f}x"
        )
    print(
        f"  {'OK' if ok else 'FAILED'}: read_report (parses and checks every cell) {ratio:.2f}x "
        f"a bare csv.reader pass (limit {MAX_RATIO}x), peak "
        f"{max(read['peak_mb'], full['peak_mb']):.1f} MB (limit {MAX_PEAK_MB} MB); "
        f"the records pass alone {records_ratio:.2f}x"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=500_000, help="settlement component lines")
    parser.add_argument("--size-mb", type=int, help="instead of --lines: settlement of >= N MB")
    parser.add_argument("--vat-rows", type=int, default=200_000, help="VAT report rows (0: skip)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement, best counts")
    parser.add_argument("--out", type=Path, help="folder for the generated files")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0

    out = args.out or Path(tempfile.mkdtemp(prefix="kontor-bench-parse-"))
    out.mkdir(parents=True, exist_ok=True)
    ok = True
    files = []
    if args.lines or args.size_mb:
        path = out / (
            f"settlement-v2-{args.size_mb}mb.txt"
            if args.size_mb
            else f"settlement-v2-{args.lines}.txt"
        )
        generate_settlement(path, None if args.size_mb else args.lines, args.size_mb)
        files.append(path)
        ok &= report_on("Settlement V2", path, args.repeat)
    if args.vat_rows:
        path = out / f"vat-transactions-{args.vat_rows}.txt"
        generate_vat(path, args.vat_rows)
        files.append(path)
        ok &= report_on("VAT Transactions", path, args.repeat)
    if args.keep:
        print(f"Files kept in {out}")
    elif args.out:
        for path in files:
            path.unlink()
    else:
        shutil.rmtree(out)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
