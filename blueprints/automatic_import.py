"""The box "Automatischer Import" of an integration's page: the connection's last and next
fetch, the settings that decide whether there is one, and the job history with "Erneut
versuchen" for a failed job.

The next fetch is the daily sync hour (SYNC_HOUR_UTC): the clock enqueues every active
connection within that hour, so while the hour runs and the connection has not been fetched
yet, the fetch is still today's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from extensions import db
from jobs.imports import JOB_TIMEOUT, QUEUE, RETRY, run_import, run_rebuild
from jobs.queues import get_queue
from mail.notifications import imported_reports
from models import Client
from models.amazon_connection import AmazonConnection
from models.integration import ClientIntegration
from models.job_run import JobKind, JobRun, JobState

HISTORY_LENGTH = 20
KIND_LABELS = {
    "import": "Import",
    "rebuild": "Aktualisieren",
    "sync": "Automatischer Abruf",
    "retroactive": "Nachträglicher Import",
    "vat_request": "Umsatzsteuerbericht anfordern",
}
# Jobs that import what the API lists: their reports are the ones that arrived while they ran.
FETCHING_KINDS = {"sync", "retroactive", "vat_request"}


@dataclass(frozen=True)
class HistoryEntry:
    run: JobRun
    label: str
    duration: str
    reports: list  # the reports it imported (of this integration)
    retryable: bool


@dataclass(frozen=True)
class AutomaticImport:
    connection: AmazonConnection | None
    next_fetch: datetime | None
    why_no_next_fetch: str
    history: list[HistoryEntry]


def automatic_import(client: Client, row: ClientIntegration, now: datetime) -> AutomaticImport:
    connection = db.session.scalar(sa.select(AmazonConnection).filter_by(client_id=client.id))
    hour = current_app.config["SYNC_HOUR_UTC"]
    upcoming = next_fetch(connection, row, now, hour)
    return AutomaticImport(
        connection=connection,
        next_fetch=upcoming,
        why_no_next_fetch="" if upcoming else why_no_fetch(connection, row),
        history=history(client, row),
    )


def next_fetch(
    connection: AmazonConnection | None, row: ClientIntegration, now: datetime, hour: int
) -> datetime | None:
    """The start of the hour in which the connection is fetched next; None if it is not."""
    if connection is None or not connection.active or not row.auto_import:
        return None
    slot = now.astimezone(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    fetched = connection.last_sync_at is not None and connection.last_sync_at >= slot
    if now >= slot + timedelta(hours=1) or fetched:
        slot += timedelta(days=1)
    return slot


def why_no_fetch(connection: AmazonConnection | None, row: ClientIntegration) -> str:
    if connection is None:
        return "keiner: keine Verbindung zur Amazon API"
    if not connection.active:
        return "erst nach der Erneuerung der Verbindung"
    if not row.auto_import:
        return "keiner: der automatische Import ist ausgeschaltet"
    return ""


def history(client: Client, row: ClientIntegration) -> list[HistoryEntry]:
    """The newest jobs of the integration, and the client's jobs of no one integration (a sync
    fetches for both)."""
    runs = db.session.scalars(
        sa.select(JobRun)
        .filter(JobRun.client_id == client.id, JobRun.integration.in_((row.kind, "")))
        .order_by(JobRun.created_at.desc(), JobRun.id.desc())
        .limit(HISTORY_LENGTH)
    )
    return [
        HistoryEntry(
            run=run,
            label=KIND_LABELS.get(run.kind, run.kind),
            duration=duration(run),
            reports=[r for r in _reports_of(run) if r.integration == row.kind],
            retryable=retryable(run),
        )
        for run in runs
    ]


def _reports_of(run: JobRun) -> list:
    if run.report_id is not None or run.kind in FETCHING_KINDS:
        return imported_reports(run)
    return []


def duration(run: JobRun) -> str:
    if run.started_at is None or run.finished_at is None:
        return "–"
    seconds = max(0, round((run.finished_at - run.started_at).total_seconds()))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"


def retryable(run: JobRun) -> bool:
    """A failed job that can run again: an import whose file is still stored (a refused file is
    deleted), a rebuild whose report still exists."""
    if run.state != JobState.FAILED.value:
        return False
    if run.kind == JobKind.IMPORT:
        return run.file_id is not None
    if run.kind == JobKind.REBUILD:
        return run.report_id is not None
    return False


def retry(run: JobRun) -> JobRun:
    """Enqueue a failed job again, as the same run (its functions are idempotent)."""
    function = run_import if run.kind == JobKind.IMPORT else run_rebuild
    run.state, run.error, run.progress = JobState.QUEUED.value, "", 0
    run.message, run.finished_at = "Wartet erneut auf einen freien Platz", None
    db.session.commit()
    job = get_queue(QUEUE).enqueue(
        function, run.id, job_timeout=JOB_TIMEOUT, retry=RETRY, failure_ttl=7 * 86400
    )
    run.rq_job_id = job.id
    db.session.commit()
    return run
