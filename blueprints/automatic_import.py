"""The box "Automatischer Import" of an integration's page: the connection's last and next
fetch, the settings that decide whether there is one, and the job history with "Erneut
versuchen" for a failed job.

The next fetch is in the daily sync hour (SYNC_HOUR_UTC): the clock enqueues every active
connection within that hour, so while the hour runs and the connection has not been fetched
yet, the fetch is still today's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from extensions import db
from jobs.amazon_sync import enqueue_retroactive_import, enqueue_sync, enqueue_vat_request
from jobs.imports import JOB_TIMEOUT, QUEUE, RETRY, run_import, run_rebuild
from jobs.queues import get_queue
from models import Client
from models.amazon_connection import AmazonConnection
from models.integration import ClientIntegration
from models.job_run import JobKind, JobRun, JobState
from models.report import Report

HISTORY_LENGTH = 20
KIND_LABELS = {
    JobKind.IMPORT: "Import",
    JobKind.REBUILD: "Aktualisieren",
    JobKind.SYNC: "Automatischer Abruf",
    JobKind.RETROACTIVE: "Nachträglicher Import",
    JobKind.VAT_REQUEST: "Umsatzsteuerbericht anfordern",
}
# Jobs that fetch through the API: a retry is a new run of the same (jobs.amazon_sync keeps
# one per connection and subject), which needs the connection working.
FETCHING_KINDS = {JobKind.SYNC, JobKind.RETROACTIVE, JobKind.VAT_REQUEST}


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
        history=history(client, row, connection),
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


def history(
    client: Client, row: ClientIntegration, connection: AmazonConnection | None
) -> list[HistoryEntry]:
    """The newest jobs of the integration, and the client's jobs of no one integration (a sync
    fetches for both)."""
    runs = db.session.scalars(
        sa.select(JobRun)
        .filter(JobRun.client_id == client.id, JobRun.integration.in_((row.kind, "")))
        .options(selectinload(JobRun.reports))
        .order_by(JobRun.created_at.desc(), JobRun.id.desc())
        .limit(HISTORY_LENGTH)
    )
    return [
        HistoryEntry(
            run=run,
            label=KIND_LABELS.get(run.kind, run.kind),
            duration=duration(run),
            reports=[r for r in reports_of(run) if r.integration == row.kind],
            retryable=retryable(run, connection),
        )
        for run in runs
    ]


def reports_of(run: JobRun) -> list[Report]:
    """What the run imported (a sync records several), else the one report it worked on."""
    if run.reports:
        return list(run.reports)
    report = db.session.get(Report, run.report_id) if run.report_id is not None else None
    return [report] if report is not None else []


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


def retryable(run: JobRun, connection: AmazonConnection | None) -> bool:
    """A failed job that can run again: an import whose file is still stored (a refused file is
    deleted), a rebuild whose report still exists, a fetch of a working connection that no
    later run of the same has taken over."""
    if run.state != JobState.FAILED.value:
        return False
    if run.kind == JobKind.IMPORT:
        return run.file_id is not None
    if run.kind == JobKind.REBUILD:
        return run.report_id is not None
    if run.kind in FETCHING_KINDS:
        return connection is not None and connection.active and not _superseded(run)
    return False


def _superseded(run: JobRun) -> bool:
    later = sa.select(JobRun.id).filter(
        JobRun.client_id == run.client_id,
        JobRun.kind == run.kind,
        JobRun.integration == run.integration,
        JobRun.subject == run.subject,
        JobRun.id > run.id,
    )
    return db.session.scalar(later.limit(1)) is not None


def retry(run: JobRun, connection: AmazonConnection | None, *, user_id: int) -> JobRun:
    """Enqueue a failed job again: an import or rebuild as the same run (its functions are
    idempotent), a fetch as a new run of the same (the failed one stays in the history)."""
    if run.kind == JobKind.SYNC:
        return enqueue_sync(connection, user_id=user_id)
    if run.kind == JobKind.RETROACTIVE:
        return enqueue_retroactive_import(connection, run.integration, run.subject, user_id=user_id)
    if run.kind == JobKind.VAT_REQUEST:
        month = date.fromisoformat(f"{run.subject}-01")
        return enqueue_vat_request(connection, month, user_id=user_id)
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
