"""Import and rebuild jobs: a durable JobRun row per job, its RQ job on the "imports" queue.

    run = enqueue_import(client, integration, stored, user_id=...)   # commits, then enqueues
    run = enqueue_rebuild(report, user_id=...)

The RQ functions take the JobRun id, re-read everything and are idempotent: a run that is done
does nothing, and a run interrupted by a killed worker (its import was one transaction, rolled
back by the database) imports the report when it runs again.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from rq import Retry

from datev.errors import DatevError
from importing.batches import build_batch
from importing.intake import import_file
from jobs.queues import get_queue
from models import db
from models.booking_rules import Integration
from models.client import Client
from models.integration import ClientIntegration
from models.job_run import JobKind, JobRun, JobState
from models.report import ImportOutcome, Report, Source, StoredFile

QUEUE = "imports"
# A 200,000-line settlement imports in well under a minute; a large margin for slow hosts.
JOB_TIMEOUT = 30 * 60
# A worker that dies (deploy, OOM) leaves the job to RQ's retry: the import runs once more.
RETRY = Retry(max=2)
UNEXPECTED = "Der Import ist unerwartet fehlgeschlagen. Bitte die Datei erneut hochladen."
UNEXPECTED_REBUILD = "Das Aktualisieren ist unerwartet fehlgeschlagen. Bitte erneut versuchen."


def enqueue_import(
    client: Client,
    integration: Integration | ClientIntegration | str,
    stored: StoredFile,
    *,
    user_id: int | None,
    source: Source | str = Source.UPLOAD,
) -> JobRun:
    """A JobRun for the import of `stored` and its RQ job. Commits the session first (the
    stored file and the run must be visible to the worker)."""
    kind = (
        integration.integration
        if isinstance(integration, ClientIntegration)
        else Integration(integration)
    )
    run = JobRun(
        client_id=client.id,
        kind=JobKind.IMPORT.value,
        integration=kind.value,
        file_id=None,
        created_by_id=user_id,
        message="Import wartet auf einen freien Platz",
    )
    run.file_id = _flushed(stored).id
    return _enqueue(run, run_import, Source(source).value)


def enqueue_rebuild(report: Report, *, user_id: int | None) -> JobRun:
    run = JobRun(
        client_id=report.client_id,
        kind=JobKind.REBUILD.value,
        integration=report.integration,
        report_id=report.id,
        created_by_id=user_id,
        message="Aktualisieren wartet auf einen freien Platz",
    )
    return _enqueue(run, run_rebuild)


def _flushed(stored: StoredFile) -> StoredFile:
    db.session.add(stored)
    db.session.flush()
    return stored


def _enqueue(run: JobRun, function, *args) -> JobRun:
    db.session.add(run)
    db.session.commit()
    job = get_queue(QUEUE).enqueue(
        function, run.id, *args, job_timeout=JOB_TIMEOUT, retry=RETRY, failure_ttl=7 * 86400
    )
    run.rq_job_id = job.id
    db.session.commit()
    return run


def run_import(job_run_id: int, source: str = Source.UPLOAD.value) -> str:
    """The RQ function of an import; returns the outcome."""
    run = _start(job_run_id)
    if run is None:
        return "skipped"
    client = db.session.get(Client, run.client_id)
    stored = db.session.get(StoredFile, run.file_id) if run.file_id is not None else None
    if client is None or stored is None:
        return _fail(run, "Die hochgeladene Datei ist nicht mehr vorhanden.")
    try:
        result = import_file(
            client,
            Integration(run.integration),
            stored,
            source=source,
            user_id=run.created_by_id,
            progress=ProgressWriter(run.id),
        )
    except BaseException:
        _fail(run, UNEXPECTED)
        raise
    run = _reloaded(run.id)
    run.report_id = result.report.id if result.report is not None else None
    if result.outcome in (ImportOutcome.IMPORTED, ImportOutcome.DUPLICATE):
        run.state, run.progress = JobState.DONE.value, 100
        run.message = result.message
    else:
        # Refused or conflict: the stored file is gone (file_id is NULL now), which also tells
        # a retry that there is nothing left to do.
        run.state, run.error, run.message = JobState.FAILED.value, result.message, ""
        run.file_id = None
    run.finished_at = datetime.now(UTC)
    db.session.commit()
    return result.outcome.value


def run_rebuild(job_run_id: int) -> str:
    run = _start(job_run_id)
    if run is None:
        return "skipped"
    report = db.session.get(Report, run.report_id) if run.report_id is not None else None
    if report is None:
        return _fail(run, "Der Bericht ist nicht mehr vorhanden.")
    try:
        ProgressWriter(run.id)(30, "Buchungsstapel wird erstellt")
        batch = build_batch(report, user_id=run.created_by_id)
        run.state, run.progress = JobState.DONE.value, 100
        run.message = f"Version {batch.version} erstellt: {batch.bookings} Buchungen."
        run.finished_at = datetime.now(UTC)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        if isinstance(exc, DatevError):
            return _fail(_reloaded(job_run_id), str(exc))
        _fail(_reloaded(job_run_id), UNEXPECTED_REBUILD)
        raise
    return "done"


def _start(job_run_id: int) -> JobRun | None:
    """The run, marked running; None when there is nothing (more) to do."""
    run = db.session.get(JobRun, job_run_id)
    if run is None or run.state == JobState.DONE.value:
        return None
    if run.state == JobState.FAILED.value and run.kind == JobKind.IMPORT and run.file_id is None:
        return None  # refused: the file is gone, the error stays
    run.state, run.error, run.progress = JobState.RUNNING.value, "", 0
    run.started_at = datetime.now(UTC)
    run.finished_at = None
    db.session.commit()
    return run


def _reloaded(job_run_id: int) -> JobRun:
    run = db.session.get(JobRun, job_run_id)
    assert run is not None
    return run


def _fail(run: JobRun, message: str) -> str:
    db.session.rollback()
    run = _reloaded(run.id)
    run.state, run.error, run.message = JobState.FAILED.value, message, ""
    run.finished_at = datetime.now(UTC)
    db.session.commit()
    return "failed"


class ProgressWriter:
    """Writes a run's progress while the import's own transaction is still open.

    PostgreSQL: through a connection of its own, committed at once, so the page sees it.
    SQLite allows one writer at a time and the import holds that lock until its commit; there
    the progress stays at its start and the page shows the run as running.
    """

    def __init__(self, job_run_id: int) -> None:
        self._id = job_run_id
        self._last = -1
        self._enabled = db.engine.dialect.name == "postgresql"

    def __call__(self, percent: int, message: str) -> None:
        percent = max(0, min(99, percent))
        if not self._enabled or percent == self._last:
            return
        self._last = percent
        table = JobRun.__table__
        try:
            with db.engine.begin() as connection:
                connection.execute(
                    sa.update(table)
                    .where(table.c.id == self._id)
                    .values(progress=percent, message=message[:500])
                )
        except sa.exc.SQLAlchemyError:  # progress is a courtesy; the import goes on
            current_app.logger.warning("progress of job run %s not written", self._id)
