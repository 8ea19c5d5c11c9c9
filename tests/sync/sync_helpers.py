"""Connected sandbox sellers, real worker processes, and waiting for runs to finish."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from amazon.connections import record_participations
from amazon.credentials import encrypt_refresh_token
from amazon.spapi import SellingPartner
from extensions import db
from models import AmazonConnection, JobRun, Report
from models.booking_rules import seed_client_rules
from models.integration import ensure_integrations
from tests.factories import make_client, make_user

PROJECT = Path(__file__).resolve().parents[2]
# The sandbox's rate limits refill and its VAT reports finish this many times faster (and
# Kontor waits that much shorter: SPAPI_TIME_SCALE).
TIME_SCALE = 100


def connect_seller(sandbox, number: int = 1, *, email: str | None = None) -> AmazonConnection:
    """A client connected to seeded seller `number`, as the connect flow leaves it."""
    credentials = sandbox.seller(number)
    user = make_user(email or f"seller{number}-{time.monotonic_ns()}@example.org")
    client = make_client(user.organisation_id, name=f"Shop {number}")
    partner = SellingPartner(
        application=sandbox.application(),
        refresh_token=credentials["refresh_token"],
        endpoint=sandbox.url,
    )
    connection = AmazonConnection(
        client_id=client.id,
        selling_partner_id=credentials["selling_partner_id"],
        refresh_token_encrypted=encrypt_refresh_token(credentials["refresh_token"]),
        connected_on=datetime.now(UTC).date(),
        connected_by_id=user.id,
    )
    record_participations(connection, partner.marketplace_participations())
    db.session.add(connection)
    ensure_integrations(client)
    seed_client_rules(client)
    db.session.commit()
    return connection


def settlement_ids(client_id: int) -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(Report.settlement_id)
            .where(Report.client_id == client_id, Report.settlement_id.is_not(None))
            .order_by(Report.settlement_id)
        )
    )


def expected_settlement_ids(
    sandbox, number: int, *, since: datetime, marketplaces=None
) -> list[str]:
    """Every settlement id the API lists for seller `number` since `since` (from the
    sandbox's own record, each settlement once)."""
    state = sandbox.state
    seller = state.sellers[number - 1]
    ids = set()
    for entry in state.settlement_entries(seller):
        if entry.created < since:
            continue
        if marketplaces is not None and entry.marketplace_ids[0] not in marketplaces:
            continue
        text = state.settlement_text(seller, entry)
        header, first = text.splitlines()[:2]
        columns = header.split("\t")
        ids.add(first.split("\t")[columns.index("settlement-id")])
    return sorted(ids)


def wait_for(run_ids, *, timeout: float = 60.0) -> list[JobRun]:
    """The runs, once every one of them is finished (done or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        runs = [db.session.get(JobRun, run_id) for run_id in run_ids]
        if all(run is not None and run.finished for run in runs):
            return runs
        if time.monotonic() > deadline:
            states = [(r.id, r.kind, r.state, r.message, r.error) for r in runs if r is not None]
            raise AssertionError(f"runs not finished after {timeout} s: {states}")
        time.sleep(0.1)


def children_of(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split()
        found.update(int(child) for child in children)
    return found


class Workers:
    """`flask jobs worker` processes, as the Procfile runs them (with the scheduler)."""

    def __init__(self, count, database_url, redis_url, settings, folder: Path) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "KONTOR_ENV": "test",
            **{key: str(value) for key, value in settings.items()},
        }
        self.processes = []
        self._logs = []
        for number in range(count):
            log = open(folder / f"worker-{number}-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115
            self._logs.append(log)
            command = [sys.executable, "-m", "flask", "--app", "app:create_app"]
            self.processes.append(
                subprocess.Popen(
                    [*command, "jobs", "worker", "default", "mail", "imports"],
                    cwd=PROJECT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for log in self._logs:
            log.close()

    def scheduler_pid(self, timeout: float = 20.0) -> int:
        """The pid of the RQ scheduler a worker forked, once it has started."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for log in self._logs:
                log.flush()
            found = re.search(r"Scheduler for .* started with PID (\d+)", self.output())
            if found:
                return int(found.group(1))
            time.sleep(0.1)
        raise AssertionError("no worker started its scheduler")

    def output(self) -> str:
        return "\n".join(Path(log.name).read_text(errors="replace") for log in self._logs)
