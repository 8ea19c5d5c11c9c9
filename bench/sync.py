"""Benchmark of the first sync of many connections, with 1, 2 and 4 workers.

    DATABASE_URL=postgresql://kontor:kontor@127.0.0.1:5432/kontor_h4 \\
        .venv/bin/python bench/sync.py [--sellers 200] [--workers 1,2,4] [--time-scale 1]

Per worker count: a fresh sandbox with N sellers (SANDBOX_SELLERS, rate limits on, refilling
--time-scale times faster), a fresh schema, N connected clients, a private redis-server; every
connection's sync enqueued at once (jobs.amazon_sync.enqueue_syncs), then W real `flask jobs
worker` processes (with the scheduler) until every run has finished. Printed: wall time,
requests and 429s (the sandbox counts them), reports imported, duplicates and lost reports
(against what the sandbox lists), reports the import refused, failed runs, and the time the
rate limits alone impose: per seller, the documents beyond the getReportDocument burst at its
rate (sellers' limits are independent, so the slowest seller's is the floor), as a ratio
wall / floor. Also the CPU: how busy the machine's cores were during the run (all processes,
PostgreSQL and anyone else's included) and the CPU seconds of the bench's own processes
(sandbox, workers and their horses), and those divided by the machine's cores: the least wall
time this machine needs for that work however well the jobs are ordered (where it exceeds the
floor, the run measures the CPU, not the rate limits). Target (issue 12): 200 sellers, 4
workers, <= 1.2.

The default time scale is 1: Amazon's own rates, some 21 minutes per worker count. A faster
scale shortens the floor but not the work: at 10, 200 sellers' 3,800 documents must be
downloaded, parsed, stored and booked in about two minutes, and the run measures how many CPU
seconds a document costs on this machine (its cores were 99 % busy) more than whether a
worker waiting on one seller's limit gets on with another's. Use it for a quick look.

The ECB rates come from the sandbox (ECB_RATES_URL -> /_sandbox/ecb/eurofxref-hist.zip,
refreshed once before the sync, as the clock's daily job does): the shipped ECB history ends
before the sandbox's settlements do, and the sandbox's file repeats the last real rates on the
days after it (sandbox data, labelled as such; see sandbox/ecb_rates.py).

The database is emptied and migrated at the start of each run: give it a scratch database.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.jobs import free_port, start_redis
from config import sandbox_endpoints

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql://kontor:kontor@127.0.0.1:5432/kontor_h4"
# getReportDocument's usage plan (DESIGN §2.1).
DOCUMENT_RATE, DOCUMENT_BURST = 0.0167, 15
VAT_SECONDS = 8.0  # the sandbox's IN_QUEUE + IN_PROGRESS of a requested VAT report
TARGET_RATIO = 1.2
CORES = os.cpu_count() or 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sellers", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=5400.0)
    args = parser.parse_args()
    # A terminated benchmark still stops its workers, sandbox and redis-server (finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    print(
        f"{args.sellers} sellers, time scale {args.time_scale:g}, database "
        f"{sa.engine.make_url(database_url).render_as_string(hide_password=True)}"
    )
    header = (
        f"{'workers':>7} {'wall s':>8} {'floor s':>8} {'ratio':>6} {'requests':>9} "
        f"{'429s':>6} {'imported':>9} {'dup':>4} {'lost':>5} {'refused':>7} {'failed':>6} "
        f"{'cpu busy':>8} {'bench cpu s':>11} {'cpu floor s':>11}"
    )
    print(header)
    ok = True
    for workers in [int(w) for w in args.workers.split(",")]:
        result = run_once(args.sellers, workers, args.time_scale, database_url, args.timeout)
        print(
            f"{workers:>7} {result['wall']:>8.1f} {result['floor']:>8.1f} "
            f"{result['wall'] / result['floor']:>6.2f} {result['requests']:>9} "
            f"{result['throttled']:>6} {result['imported']:>9} {result['duplicates']:>4} "
            f"{result['lost']:>5} {result['refused']:>7} {result['failed']:>6} "
            f"{result['busy']:>7.0%} {result['cpu']:>11.0f} {result['cpu'] / CORES:>11.0f}",
            flush=True,
        )
        ok = ok and result["duplicates"] == 0 and result["lost"] == 0 and result["failed"] == 0
        if workers == 4 and args.sellers >= 200:
            ok = ok and result["wall"] / result["floor"] <= TARGET_RATIO
    return 0 if ok else 1


def run_once(sellers: int, workers: int, scale: float, database_url: str, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="kontor-bench-sync-") as folder:
        redis, redis_url = start_redis(Path(folder))
        port = free_port()
        sandbox_url = f"http://127.0.0.1:{port}"
        sandbox = subprocess.Popen(
            [sys.executable, str(PROJECT / "bench" / "sync_sandbox.py"), str(port)],
            env={**os.environ, "SANDBOX_SELLERS": str(sellers), "SANDBOX_TIME_SCALE": str(scale)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes = []
        try:
            wait_for_http(sandbox_url + "/_bench/counts")
            settings = {
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "KONTOR_ENV": "test",
                **sandbox_endpoints(sandbox_url),
                "SPAPI_TIME_SCALE": str(scale),
                "ECB_RATES_URL": f"{sandbox_url}/_sandbox/ecb/eurofxref-hist.zip",
                "ECB_RATES_FILE": str(Path(folder) / "ecb" / "eurofxref-hist.zip"),
            }
            app = kontor_app(settings)
            with app.app_context():
                fresh_schema()
                refresh_ecb_rates()
                connections = connect_all(sandbox_url, sellers)
                expected = expected_reports(sandbox_url, sellers)
                floor = rate_limit_floor(expected, scale)
                counts_before = counts(sandbox_url)
                cpu_before = children_cpu()
                busy_before = machine_cpu()
                start = time.perf_counter()
                enqueue_all(connections)
                env = {**os.environ, **settings, "PYTHONPATH": str(PROJECT)}
                for number in range(workers):
                    log = open(Path(folder) / f"worker-{number}.log", "wb")  # noqa: SIM115
                    processes.append(
                        subprocess.Popen(
                            [
                                sys.executable,
                                "-m",
                                "flask",
                                "--app",
                                "app:create_app",
                                "jobs",
                                "worker",
                                "default",
                            ],
                            cwd=PROJECT,
                            env=env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                        )  # fmt: skip
                    )
                failed = wait_until_finished(timeout, processes)
                wall = time.perf_counter() - start
                busy = machine_busy(busy_before, machine_cpu())
                seen = counts(sandbox_url)
                imported, duplicates, lost, refused = compare(expected)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
            sandbox.terminate()
            sandbox.wait(timeout=10)
            redis.terminate()
            redis.wait(timeout=10)
    # The workers' horses are reaped by the workers, so their CPU is in the workers' children
    # time, which is ours now; setting up (connecting, the expected listing) is in it too.
    cpu = children_cpu() - cpu_before
    return {
        "wall": wall,
        "floor": floor,
        "requests": seen["requests"] - counts_before["requests"],
        "throttled": seen["by_status"].get("429", 0) - counts_before["by_status"].get("429", 0),
        "imported": imported,
        "duplicates": duplicates,
        "lost": lost,
        "refused": refused,
        "failed": failed,
        "busy": busy,
        "cpu": cpu,
    }


def kontor_app(settings: dict):
    from app import create_app
    from config import database_url

    return create_app(
        {
            "KONTOR_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": database_url({"DATABASE_URL": settings["DATABASE_URL"]}, ""),
            **{key: value for key, value in settings.items() if key != "DATABASE_URL"},
            "SPAPI_TIME_SCALE": float(settings["SPAPI_TIME_SCALE"]),
        }
    )


def refresh_ecb_rates() -> None:
    from jobs.rates import refresh_ecb_rates as refresh

    refresh()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def machine_busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def fresh_schema() -> None:
    from flask_migrate import upgrade

    from extensions import db

    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(directory=str(PROJECT / "migrations"))


def connect_all(sandbox_url: str, sellers: int) -> list:
    """One client per seller, connected as the connect flow leaves it."""
    from amazon.connections import record_participations
    from amazon.credentials import encrypt_refresh_token
    from amazon.lwa import Application
    from amazon.spapi import SellingPartner
    from extensions import db
    from models import AmazonConnection, Client, Organisation
    from models.booking_rules import seed_client_rules
    from models.integration import ensure_integrations

    organisation = Organisation(name="Benchmark")
    db.session.add(organisation)
    db.session.commit()
    credentials = requests.get(f"{sandbox_url}/_sandbox/sellers", timeout=60).json()[:sellers]
    connections = []
    for number, seller in enumerate(credentials, start=1):
        client = Client(
            organisation_id=organisation.id,
            name=f"Shop {number}",
            berater_nr=1001,
            mandant_nr=number,
            account_length=4,
            chart="SKR03",
        )
        db.session.add(client)
        db.session.flush()
        partner = SellingPartner(
            application=Application(
                seller["client_id"], seller["client_secret"], f"{sandbox_url}/auth/o2/token"
            ),
            refresh_token=seller["refresh_token"],
            endpoint=sandbox_url,
        )
        connection = AmazonConnection(
            client_id=client.id,
            selling_partner_id=seller["selling_partner_id"],
            refresh_token_encrypted=encrypt_refresh_token(seller["refresh_token"]),
            connected_on=datetime.now(UTC).date(),
        )
        record_participations(connection, partner.marketplace_participations())
        db.session.add(connection)
        ensure_integrations(client)
        seed_client_rules(client)
        db.session.commit()
        connections.append(connection)
    return connections


def expected_reports(sandbox_url: str, sellers: int) -> dict:
    """Per client id: the settlements (marketplace, start, end) the API lists for the first
    sync, and how many VAT reports it can fetch."""
    from extensions import db
    from jobs.amazon_sync import REACH, due_vat_months
    from models import AmazonConnection

    now = datetime.now(UTC)
    credentials = requests.get(f"{sandbox_url}/_sandbox/sellers", timeout=60).json()[:sellers]
    expected = {}
    for seller in credentials:
        connection = db.session.scalar(
            sa.select(AmazonConnection).filter_by(selling_partner_id=seller["selling_partner_id"])
        )
        entries = listed_settlements(sandbox_url, seller, since=now - REACH + timedelta(minutes=5))
        expected[connection.client_id] = {
            "settlements": entries,
            "vat": len(due_vat_months(connection.client_id, now)),
        }
    return expected


def listed_settlements(sandbox_url: str, seller: dict, *, since: datetime) -> set:
    from amazon.fetching import SETTLEMENT_TYPES
    from amazon.lwa import Application
    from amazon.spapi import SellingPartner

    # The sandbox's own listing, asked as any client would (one getReports page of its burst).
    partner = SellingPartner(
        application=Application(
            seller["client_id"], seller["client_secret"], f"{sandbox_url}/auth/o2/token"
        ),
        refresh_token=seller["refresh_token"],
        endpoint=sandbox_url,
    )
    return {
        (entry.marketplace_ids, entry.data_start.date(), entry.data_end.date())
        for entry in partner.reports(list(SETTLEMENT_TYPES), created_since=since)
    }


def rate_limit_floor(expected: dict, scale: float) -> float:
    """The slowest seller's documents beyond the burst at getReportDocument's rate (the VAT
    reports' processing overlaps with the settlements' downloads)."""
    floors = []
    for wanted in expected.values():
        documents = len(wanted["settlements"]) + wanted["vat"]
        beyond = max(0, documents - DOCUMENT_BURST)
        floors.append(max(beyond / (DOCUMENT_RATE * scale), VAT_SECONDS / scale))
    return max(floors)


def enqueue_all(connections: list) -> None:
    from jobs.amazon_sync import enqueue_syncs

    enqueue_syncs(connections)


def wait_until_finished(timeout: float, workers: list) -> int:
    """Until no sync or VAT request is waiting or running; returns how many failed."""
    from extensions import db
    from models import JobRun

    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        states = dict(
            db.session.execute(
                sa.select(JobRun.state, sa.func.count()).group_by(JobRun.state)
            ).all()
        )
        if not states.get("queued") and not states.get("running"):
            return states.get("failed", 0)
        if time.monotonic() > deadline:
            raise SystemExit(f"not finished after {timeout} s: {states}")
        if all(worker.poll() is not None for worker in workers):
            raise SystemExit(f"every worker has exited: {states}")
        time.sleep(0.5)


def compare(expected: dict) -> tuple[int, int, int, int]:
    """(reports imported, duplicates, lost, refused) against what the sandbox lists."""
    from extensions import db
    from models import ImportLogEntry, JobRun, Report

    rows = db.session.execute(
        sa.select(Report.client_id, Report.integration, Report.settlement_id, Report.period_start,
                  Report.period_end)
    ).all()  # fmt: skip
    # A month without sales is answered "keine Daten" (CANCELLED): fetched, nothing to import.
    no_data = dict(
        db.session.execute(
            sa.select(JobRun.client_id, sa.func.count())
            .where(JobRun.kind == "vat_request", JobRun.message.like("Keine Daten%"))
            .group_by(JobRun.client_id)
        ).all()
    )
    refused = dict(
        db.session.execute(
            sa.select(
                ImportLogEntry.client_id, sa.func.count(sa.distinct(ImportLogEntry.file_name))
            )
            .where(ImportLogEntry.outcome == "refused", ImportLogEntry.integration == "payout")
            .group_by(ImportLogEntry.client_id)
        ).all()
    )
    imported = len(rows)
    ids = [(r.client_id, r.settlement_id) for r in rows if r.integration == "payout"]
    duplicates = len(ids) - len(set(ids))
    lost = 0
    for client_id, wanted in expected.items():
        periods = {
            (r.period_start, r.period_end)
            for r in rows
            if r.client_id == client_id and r.integration == "payout"
        }
        payouts = sum(1 for r in rows if r.client_id == client_id and r.integration == "payout")
        missing = sum(1 for _, start, end in wanted["settlements"] if (start, end) not in periods)
        # Refused by the booking engine (logged, tried again by the next sync), not lost.
        lost += max(
            0, max(missing, len(wanted["settlements"]) - payouts) - refused.get(client_id, 0)
        )
        vat = sum(1 for r in rows if r.client_id == client_id and r.integration == "order")
        lost += max(0, wanted["vat"] - vat - no_data.get(client_id, 0))
    return imported, duplicates, lost, sum(refused.values())


def counts(sandbox_url: str) -> dict:
    return requests.get(f"{sandbox_url}/_bench/counts", timeout=30).json()


def wait_for_http(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(url, timeout=2).raise_for_status()
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
