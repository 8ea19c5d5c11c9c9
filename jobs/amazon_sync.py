"""The API import of a connection as RQ jobs: the daily sync, the retroactive import of one
marketplace, the VAT report of one month. A JobRun row per run, its RQ jobs on "default".

    run = enqueue_sync(connection, user_id=None)
    run = enqueue_retroactive_import(connection, integration, marketplace_id, user_id=...)
    run = enqueue_vat_request(connection, month, user_id=None)

A run is a chain of RQ jobs: whenever Amazon says "later" (a 429, a 5xx, a report still in
progress) the job schedules the rest of its work as a delayed job and returns, so the worker
goes on with other sellers instead of sleeping (workers run --with-scheduler). The rest of the
work travels as the job's argument (`Work`); everything else is re-read from the database.

The order of the jobs decides how long many sellers' first syncs take together, because each
seller's getReportDocument bucket refills on its own: a token not taken when it is there is
lost. So a job that waited for one of Amazon's tokens goes to the front of the queue when it is
due, a job hands the rest of its run on after JOB_BUDGET seconds (workers free up often and
the due jobs do not wait long), and the rest goes to the front too while the seller has more
documents left than its burst (its end is the rate limit's; every document now is a token
refilled) and to the back otherwise. `enqueue_syncs` starts the sellers with the most
marketplaces, the most settlements, first.
Nothing is imported twice: the import's unique constraints see to that whatever happens, and
the listing skips what was fetched before (amazon.fetching).

One chain per connection at a time (jobs.sync_lock), except the VAT requests, which only wait
for Amazon and use buckets of their own.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from rq import Callback, Retry, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from amazon.documents import TooLarge
from amazon.errors import (
    AmazonError,
    AmazonRequestRefused,
    AmazonUnavailable,
    CorruptDocument,
    DocumentExpired,
    Throttled,
    TokenRevoked,
)
from amazon.fetching import (
    SETTLEMENT_TYPES,
    VAT_REPORT,
    fetch_and_import,
    settlement_file_name,
    settlements_to_fetch,
    vat_file_name,
    vat_month_imported,
)
from amazon.spapi import SellingPartner
from jobs.queues import get_queue, get_redis
from jobs.sync_lock import ConnectionLock
from models import db
from models.amazon_connection import AmazonConnection, ConnectionMarketplace
from models.booking_rules import Integration
from models.integration import ClientIntegration, ensure_integrations
from models.job_run import JobKind, JobRun, JobState
from models.report import ImportOutcome

QUEUE = "default"
# The rq_job_id of a run that `flask amazon sync --wait` works on in its own process.
INLINE = "inline-"
JOB_TIMEOUT = 30 * 60
# Unexpected failures (a killed worker, a database hiccup): the same job once more, soon.
RETRY = Retry(max=3, interval=[2, 30, 120])
FAILURE_TTL = 7 * 86400
# The lock lives as long as a job may run, plus the delay until the next job of the chain.
LOCK_SECONDS = JOB_TIMEOUT + 60
# Waiting for the connection's other chain (our own work, not Amazon's clock).
LOCK_WAIT = 5.0
# Sync from "now minus 89 days", not 90: Amazon refuses a request at the boundary.
REACH = timedelta(days=89)
# Reports listed late, or a clock running behind: the next sync looks back this far again.
OVERLAP = timedelta(days=3)
# Amazon unavailable (5xx, timeouts), a broken download: growing intervals, then give up.
BACKOFF = (5.0, 30.0, 120.0, 600.0, 1800.0)
# A requested VAT report takes seconds to minutes (the sandbox: 8 s); asked after POLL[0]
# seconds, then at the growing intervals, at most POLLS times.
POLL = (10.0, 20.0, 30.0, 60.0)
POLLS = 120
# A sync job hands the rest of its run on after this many seconds (see the module's doc).
JOB_BUDGET = 1.0
# getReportDocument's burst (DESIGN §2.1): a seller with more documents waits for its rate.
DOCUMENT_BURST = 15
# After this many failed syncs in a row the users hear of it.
REPEATED_FAILURES = 3
UNEXPECTED = "Die Abholung ist unerwartet fehlgeschlagen; sie wird wiederholt."
UNEXPECTED_FINAL = "Die Abholung ist unerwartet fehlgeschlagen. Bitte erneut versuchen."
NOT_CONNECTED = "Der Shop ist nicht (mehr) mit Amazon verbunden."
RENEWAL_NEEDED = (
    "Die Verbindung zu Amazon muss erneuert werden (Erneuerung nötig); bis dahin holen wir "
    "keine Berichte ab."
)


@dataclass
class Work:
    """What is left of a run, carried from one job of its chain to the next."""

    pending: list[dict] | None = None  # reports to fetch; None: not listed yet
    total: int = 0
    step: int = 0  # jobs of the chain so far (names the next job)
    failures: int = 0  # transient failures in a row
    listed_at: str | None = None  # ISO instant the listing began: where the next sync starts
    document_at: float | None = None  # epoch of the last getReportDocument that answered
    document_wait: float | None = None  # seconds between two documents once Amazon throttled
    duplicates: int = 0
    not_imported: list[str] = field(default_factory=list)  # German, one line per report
    report_id: str | None = None  # VAT request: the report Amazon creates
    polls: int = 0

    @classmethod
    def from_dict(cls, data: dict | None) -> Work:
        return cls(**data) if data else cls()


@dataclass
class Deferred:
    """The run goes on in `delay` seconds, in a new job; `urgent`: at the front of the queue
    (it waited for Amazon, or the seller's rate limit is its critical path)."""

    delay: float
    message: str
    urgent: bool = False


# --- enqueueing ------------------------------------------------------------------------------


def enqueue_sync(connection: AmazonConnection, *, user_id: int | None = None) -> JobRun:
    """The sync of `connection`: the one already waiting or running, else a new one."""
    running = _unfinished(connection.client_id, JobKind.SYNC)
    if running is not None:
        return running
    return _enqueue(_new_sync_run(connection, user_id), run_sync)


def enqueue_syncs(connections: list[AmazonConnection]) -> list[JobRun]:
    """The syncs of many connections at once (a first sync of all of them), those with the
    most marketplaces first: they have the most settlements, and the rate limit makes theirs
    the longest, so they must not start last."""
    ordered = sorted(connections, key=lambda c: (-len(c.marketplaces), c.id))
    return [enqueue_sync(connection) for connection in ordered]


def sync_run(connection: AmazonConnection, *, user_id: int | None = None) -> JobRun:
    """A new sync run for `run_inline` (the command line), not enqueued."""
    run = _new_sync_run(connection, user_id)
    db.session.add(run)
    db.session.commit()
    return run


def _new_sync_run(connection: AmazonConnection, user_id: int | None) -> JobRun:
    return JobRun(
        client_id=connection.client_id,
        kind=JobKind.SYNC.value,
        integration="",
        created_by_id=user_id,
        message="Abholung wartet auf einen freien Platz",
    )


def enqueue_retroactive_import(
    connection: AmazonConnection,
    integration: ClientIntegration | Integration | str,
    marketplace_id: str,
    *,
    user_id: int | None,
) -> JobRun:
    """Every report of `marketplace_id` the client does not have yet, at most 90 days back:
    Payout its settlements, Order the VAT reports of those months (they cover every
    marketplace). The run already waiting or running for the same is returned instead."""
    kind = _integration_kind(integration)
    running = _unfinished(connection.client_id, JobKind.RETROACTIVE, kind.value, marketplace_id)
    if running is not None:
        return running
    run = JobRun(
        client_id=connection.client_id,
        kind=JobKind.RETROACTIVE.value,
        integration=kind.value,
        subject=marketplace_id,
        created_by_id=user_id,
        message="Nachträglicher Import wartet auf einen freien Platz",
    )
    return _enqueue(run, run_retroactive)


def enqueue_vat_request(
    connection: AmazonConnection, month: date, *, user_id: int | None = None, enqueue: bool = True
) -> JobRun:
    """Request, poll and import the VAT report of `month`; the request already under way is
    returned instead. enqueue=False leaves the run to the caller (`flask amazon sync --wait`)."""
    subject = f"{month:%Y-%m}"
    running = _unfinished(connection.client_id, JobKind.VAT_REQUEST, Integration.ORDER, subject)
    if running is not None:
        return running
    run = JobRun(
        client_id=connection.client_id,
        kind=JobKind.VAT_REQUEST.value,
        integration=Integration.ORDER.value,
        subject=subject,
        created_by_id=user_id,
        message=f"Umsatzsteuerbericht {month_label(month)} wartet auf einen freien Platz",
    )
    if not enqueue:
        db.session.add(run)
        db.session.commit()
        return run
    return _enqueue(run, run_vat_request)


def _integration_kind(integration: ClientIntegration | Integration | str) -> Integration:
    if isinstance(integration, ClientIntegration):
        return integration.integration
    return Integration(integration)


def _unfinished(
    client_id: int, kind: JobKind, integration: str | None = None, subject: str | None = None
) -> JobRun | None:
    """The run of that kind still waiting or running, whose chain is alive."""
    query = sa.select(JobRun).where(
        JobRun.client_id == client_id,
        JobRun.kind == kind.value,
        JobRun.state.in_((JobState.QUEUED.value, JobState.RUNNING.value)),
    )
    if integration is not None:
        query = query.where(JobRun.integration == str(integration))
    if subject is not None:
        query = query.where(JobRun.subject == subject)
    for run in db.session.scalars(query.order_by(JobRun.id.desc())):
        if chain_alive(run):
            return run
    return None


def chain_alive(run: JobRun) -> bool:
    """Whether an RQ job of the run is waiting, scheduled or running (or will be retried)."""
    if run.rq_job_id.startswith(INLINE):
        return run.state == JobState.RUNNING.value  # the lock's expiry ends a dead command
    if not run.rq_job_id:
        return False
    try:
        job = Job.fetch(run.rq_job_id, connection=get_redis())
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status == JobStatus.FAILED:
        return bool(job.retries_left)
    if status == JobStatus.SCHEDULED:
        # Scheduled, and still in the registry that the scheduler enqueues from.
        registry = ScheduledJobRegistry(job.origin, connection=get_redis())
        return get_redis().zscore(registry.key, job.id) is not None
    return status in (
        JobStatus.QUEUED,
        JobStatus.SCHEDULED,
        JobStatus.STARTED,
        JobStatus.DEFERRED,
        JobStatus.CREATED,
    )


def _job_exists(job_id: str) -> bool:
    return bool(job_id) and Job.exists(job_id, connection=get_redis())


def _enqueue(run: JobRun, function) -> JobRun:
    db.session.add(run)
    db.session.commit()
    _schedule(function, run, Work(), 0.0)
    return run


def _schedule(function, run: JobRun, work: Work, delay: float, *, urgent: bool = False) -> None:
    """The next job of the run's chain, in `delay` seconds; urgent: at the front of the queue
    (when it is due). Its id names run and step, so a job enqueued twice by mistake is one
    job."""
    queue = get_queue(QUEUE)
    job = queue.create_job(
        function,
        args=(run.id, asdict(work)),
        job_id=f"amazon-{run.kind}-{run.id}-{work.step}",
        timeout=JOB_TIMEOUT,
        retry=RETRY,
        failure_ttl=FAILURE_TTL,
        on_failure=Callback(chain_failed),
    )
    run.rq_job_id = job.id
    db.session.commit()
    if delay <= 0:
        queue.enqueue_job(job, at_front=urgent)
    else:
        job.enqueue_at_front = urgent  # saved with the job: the scheduler reads it when due
        schedule_new_job(queue, job, datetime.now(UTC) + timedelta(seconds=delay))


def schedule_new_job(queue, job: Job, at: datetime) -> None:
    """Put a new job in the scheduled registry, atomically.

    RQ 2.12's plain schedule_job adds the id to the registry at once (ScheduledJobRegistry
    .schedule ignores the pipeline) and saves the job only when the pipeline runs: a scheduler
    that reads the registry in between finds no job, drops the id, and the job is lost (seen
    in bench/sync.py with sub-second delays, whose score rounds down to "due"). The unique
    variant saves job and registry entry in one Lua script; the ids name run and step, so
    "unique" costs nothing.
    """
    queue.schedule_job(job, at, unique=True)


# --- the RQ functions --------------------------------------------------------------------


def run_sync(job_run_id: int, work: dict | None = None) -> str:
    return _run_job(run_sync, job_run_id, work)


def run_retroactive(job_run_id: int, work: dict | None = None) -> str:
    return _run_job(run_retroactive, job_run_id, work)


def run_vat_request(job_run_id: int, work: dict | None = None) -> str:
    return _run_job(run_vat_request, job_run_id, work)


def _run_job(function, job_run_id: int, work_data: dict | None) -> str:
    run = db.session.get(JobRun, job_run_id)
    if run is None or run.state == JobState.DONE.value:
        return "skipped"
    current = get_current_job()
    if current is not None and current.id != run.rq_job_id and _job_exists(run.rq_job_id):
        # A stray copy (enqueued twice, an old step retried late): the run's chain is the job
        # its row names, and only that one works on it. (If that job does not exist, its step
        # died before scheduling it: this one carries the chain on.)
        return "skipped"
    work = Work.from_dict(work_data)
    outcome = advance(run, work)
    if isinstance(outcome, Deferred):
        work.step += 1
        _schedule(function, _reloaded(job_run_id), work, outcome.delay, urgent=outcome.urgent)
        return f"deferred {outcome.delay:.1f}s"
    return outcome


def chain_failed(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ's failure callback: when the last retry has failed too, the run has failed (its
    row would say "läuft" for ever otherwise) and the connection is free again."""
    if job.retries_left:
        return
    db.session.rollback()
    run = db.session.get(JobRun, job.args[0])
    if run is None or run.finished:
        return
    _fail(run.id, UNEXPECTED_FINAL)
    amazon = db.session.scalar(sa.select(AmazonConnection).filter_by(client_id=run.client_id))
    if amazon is not None:
        ConnectionLock(get_redis(), amazon.id).release(run.id)


def run_inline(run: JobRun, *, sleep=time.sleep) -> JobRun:
    """Run a run in this process, waiting between its steps (for the command line, never a
    worker); VAT requests it starts run here too, after it."""
    run.rq_job_id = f"{INLINE}{os.getpid()}"
    db.session.commit()
    work = Work()
    while isinstance(outcome := advance(run, work, inline=True), Deferred):
        work.step += 1
        sleep(outcome.delay)
        run = _reloaded(run.id)
    run = _reloaded(run.id)
    for spawned in _spawned_vat_requests(run):
        run_inline(spawned, sleep=sleep)
    return run


def _spawned_vat_requests(run: JobRun) -> list[JobRun]:
    if run.kind == JobKind.VAT_REQUEST.value:
        return []
    return list(
        db.session.scalars(
            sa.select(JobRun).where(
                JobRun.client_id == run.client_id,
                JobRun.kind == JobKind.VAT_REQUEST.value,
                JobRun.state == JobState.QUEUED.value,
                JobRun.rq_job_id == "",
            )
        )
    )


# --- one step of a run -------------------------------------------------------------------


def advance(run: JobRun, work: Work, *, inline: bool = False) -> Deferred | str:
    """Do what can be done now; Deferred when the rest has to wait, else the outcome."""
    connection = db.session.scalar(sa.select(AmazonConnection).filter_by(client_id=run.client_id))
    if connection is None:
        return _finish(run, JobState.FAILED, error=NOT_CONNECTED)
    if not connection.active:
        return _finish(run, JobState.FAILED, error=RENEWAL_NEEDED)
    lock = None
    if run.kind != JobKind.VAT_REQUEST.value:
        lock = ConnectionLock(get_redis(), connection.id)
        waiting = _take_lock(lock, run)
        if waiting is not None:
            return waiting
    _mark_running(run)
    try:
        outcome = _advance(run, connection, work, inline=inline)
    except Throttled as exc:
        db.session.rollback()
        outcome = Deferred(_throttle_delay(exc, work), exc.message, urgent=True)
    except TokenRevoked as exc:
        outcome = _renewal_needed(run.id, connection.id, exc)
    except (AmazonUnavailable, CorruptDocument, DocumentExpired) as exc:
        outcome = _backoff(run.id, work, exc)
    except AmazonError as exc:  # refused by Amazon: waiting does not help
        outcome = _fail(run.id, exc.message)
    except BaseException:
        db.session.rollback()
        _note_unexpected(run.id)
        raise  # RQ retries the job (RETRY); the lock stays with the run
    if lock is not None:
        if isinstance(outcome, Deferred):
            lock.acquire(run.id, seconds=outcome.delay + LOCK_SECONDS)
        else:
            lock.release(run.id)
    if isinstance(outcome, Deferred):
        _note(run.id, outcome.message)
    return outcome


def _advance(
    run: JobRun, connection: AmazonConnection, work: Work, *, inline: bool
) -> Deferred | str:
    # The access token is shared by the connection's jobs for its hour (amazon.lwa).
    partner = SellingPartner.for_connection(connection, token_store=get_redis())
    if run.kind == JobKind.VAT_REQUEST.value:
        return _advance_vat_request(run, connection, partner, work)
    if work.pending is None:
        _plan(run, connection, partner, work, inline=inline)
    return _fetch_pending(run.id, connection, partner, work)


def _take_lock(lock: ConnectionLock, run: JobRun) -> Deferred | str | None:
    """None when the run holds the connection's lock; else what it does instead."""
    holder = lock.acquire(run.id, seconds=LOCK_SECONDS)
    if holder == run.id:
        return None
    other = db.session.get(JobRun, holder)
    if other is None or other.state == JobState.DONE.value or not chain_alive(other):
        # The holder's chain is gone (killed with its lock still set): its work is ours now.
        if lock.take_over(holder, run.id, seconds=LOCK_SECONDS):
            return None
    elif run.kind == JobKind.SYNC.value and other.kind == JobKind.SYNC.value:
        return _finish(
            run,
            JobState.DONE,
            message=f"Eine andere Abholung dieser Verbindung läuft bereits (Auftrag {other.id}); "
            "sie holt auch diese Berichte.",
        )
    return Deferred(LOCK_WAIT, "Wartet, bis die laufende Abholung dieser Verbindung fertig ist")


def _mark_running(run: JobRun) -> None:
    if run.state != JobState.RUNNING.value:
        run.state, run.error = JobState.RUNNING.value, ""
        run.started_at = run.started_at or datetime.now(UTC)
        run.finished_at = None
        db.session.commit()


# --- listing -----------------------------------------------------------------------------


def _plan(
    run: JobRun,
    connection: AmazonConnection,
    partner: SellingPartner,
    work: Work,
    *,
    inline: bool,
) -> None:
    """What the run fetches: settlement reports into `work`, VAT requests as runs of their own."""
    now = datetime.now(UTC)
    payout, order = ensure_integrations(connection.client)
    db.session.commit()
    items: list[dict] = []
    if run.kind == JobKind.SYNC.value:
        if payout.auto_import:
            wanted = [m for m in connection.marketplaces if payout.imports(m.name)]
            items = _settlement_items(connection, partner, wanted, since=_since(connection, now))
        if order.auto_import:
            _request_vat_reports(connection, order, now, run.created_by_id, inline=inline)
    elif run.integration == Integration.PAYOUT.value:
        wanted = [m for m in connection.marketplaces if m.marketplace_id == run.subject]
        if not wanted:
            raise AmazonRequestRefused(
                f"Der Marktplatz {run.subject} gehört nicht zu dieser Amazon-Verbindung."
            )
        items = _settlement_items(connection, partner, wanted, since=now - REACH)
    else:
        _request_vat_reports(connection, order, now, run.created_by_id, inline=inline)
    work.pending, work.total, work.listed_at = items, len(items), now.isoformat()
    run = _reloaded(run.id)
    run.progress = 5
    run.message = f"{len(items)} neue Abrechnungen gefunden" if items else "Nichts Neues gefunden"
    db.session.commit()


def _since(connection: AmazonConnection, now: datetime) -> datetime:
    """Since the last successful sync (with overlap), at most 89 days back."""
    since = now - REACH
    if connection.last_sync_succeeded_at is not None:
        since = max(since, connection.last_sync_succeeded_at - OVERLAP)
    return since


def _settlement_items(
    connection: AmazonConnection,
    partner: SellingPartner,
    marketplaces: list[ConnectionMarketplace],
    *,
    since: datetime,
) -> list[dict]:
    if not marketplaces:
        return []
    names = {m.marketplace_id: m.name for m in marketplaces}
    entries = partner.reports(
        list(SETTLEMENT_TYPES),
        created_since=since,
        marketplace_ids=sorted(names),
        statuses=["DONE"],
    )
    return [
        {
            "integration": Integration.PAYOUT.value,
            "document_id": entry.document_id,
            "file_name": settlement_file_name(entry.report_id),
        }
        for entry in settlements_to_fetch(connection.client, entries, names)
    ]


def _request_vat_reports(
    connection: AmazonConnection,
    order: ClientIntegration,
    now: datetime,
    user_id: int | None,
    *,
    inline: bool,
) -> None:
    if not vat_marketplace_ids(connection, order):
        return
    for month in due_vat_months(connection.client_id, now):
        enqueue_vat_request(connection, month, user_id=user_id, enqueue=not inline)


def vat_marketplace_ids(connection: AmazonConnection, order: ClientIntegration) -> list[str]:
    """The marketplaces the VAT report is requested for: all but those Order excludes."""
    return [m.marketplace_id for m in connection.marketplaces if order.imports(m.name)]


def due_vat_months(client_id: int, now: datetime) -> list[date]:
    """The months of the last 89 days whose VAT report Amazon has by now (from the 3rd of the
    following month) and the client does not: not imported, not answered "keine Daten", not
    requested already, not refused by Amazon today (then tomorrow again)."""
    months = []
    month = _month_of(now - REACH)
    while vat_available_from(month) <= now:
        months.append(month)
        month = _next_month(month)
    return [
        m
        for m in months
        if not vat_month_imported(client_id, m) and not _vat_request_settled(client_id, m, now)
    ]


def _vat_request_settled(client_id: int, month: date, now: datetime) -> bool:
    runs = db.session.scalars(
        sa.select(JobRun).where(
            JobRun.client_id == client_id,
            JobRun.kind == JobKind.VAT_REQUEST.value,
            JobRun.subject == f"{month:%Y-%m}",
        )
    )
    for run in runs:
        if run.state == JobState.DONE.value:
            return True  # imported, or Amazon had no data for the month
        if run.state == JobState.FAILED.value:
            if run.finished_at is not None and run.finished_at.date() == now.date():
                return True
        elif chain_alive(run) or (not run.rq_job_id and run.created_at > now - timedelta(days=1)):
            return True  # requested already (or left to `flask amazon sync --wait`)
    return False


def vat_available_from(month: date) -> datetime:
    following = _next_month(month)
    return datetime(following.year, following.month, 3, tzinfo=UTC)


def _month_of(when: datetime) -> date:
    return date(when.year, when.month, 1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_label(month: date) -> str:
    return f"{month:%m/%Y}"


# --- fetching ----------------------------------------------------------------------------


def _fetch_pending(
    run_id: int, connection: AmazonConnection, partner: SellingPartner, work: Work
) -> Deferred | str:
    assert work.pending is not None
    client = connection.client
    integrations = {row.kind: row for row in ensure_integrations(client)}
    max_bytes = current_app.config["MAX_CONTENT_LENGTH"]
    user_id = _reloaded(run_id).created_by_id
    started = time.monotonic()
    while work.pending:
        wait = _document_pacing(work)
        if wait > 0:
            return Deferred(wait, "Wartet auf Amazons Ratenlimit für Downloads", urgent=True)
        item = work.pending[0]
        asked_at = time.time()
        try:
            result = fetch_and_import(
                client,
                integrations[item["integration"]],
                partner,
                item["document_id"],
                file_name=item["file_name"],
                user_id=user_id,
                max_bytes=max_bytes,
            )
        except (TooLarge, AmazonRequestRefused) as exc:  # this report, for good
            db.session.rollback()
            work.not_imported.append(f"{item['file_name']}: {exc.message}")
        else:
            _record(run_id, result, work)
        work.document_at = asked_at
        work.pending.pop(0)
        work.failures = 0
        _progress(run_id, work)
        if work.pending and time.monotonic() - started > JOB_BUDGET:
            return Deferred(
                0.0,
                f"{work.total - len(work.pending)} von {work.total} Abrechnungen abgeholt",
                urgent=len(work.pending) > DOCUMENT_BURST,
            )
    return _finish_fetching(run_id, connection.id, work)


def _document_pacing(work: Work) -> float:
    """Seconds until Amazon has the next document token, once it has throttled this run."""
    if work.document_wait is None or work.document_at is None:
        return 0.0
    wait = work.document_at + work.document_wait - time.time()
    return wait if wait > 0.05 else 0.0


def _throttle_delay(exc: Throttled, work: Work) -> float:
    """Until the operation's bucket has a token again: one token's time after the last call
    that got one, where the run knows it (documents), else one token's time from now."""
    wait = exc.retry_after / _time_scale()
    if exc.operation == "getReportDocument":
        work.document_wait = wait
        if work.document_at is not None:
            predicted = work.document_at + wait - time.time()
            if predicted > 0.1:
                return predicted
            # Someone else took the token we counted on (the seller's VAT request, another
            # application): the next one is at most a token's time away.
    return wait


def _time_scale() -> float:
    return float(current_app.config.get("SPAPI_TIME_SCALE", 1.0)) or 1.0


def _record(run_id: int, result, work: Work) -> None:
    run = _reloaded(run_id)
    if result.outcome == ImportOutcome.IMPORTED and result.report is not None:
        run.reports.append(result.report)
    elif result.outcome == ImportOutcome.DUPLICATE:
        work.duplicates += 1
    else:  # refused by the parser, or a conflict with another file of the settlement
        work.not_imported.append(result.message)
    db.session.commit()


def _progress(run_id: int, work: Work) -> None:
    run = _reloaded(run_id)
    done = work.total - len(work.pending or [])
    run.progress = min(99, 5 + 90 * done // max(work.total, 1))
    run.message = f"{done} von {work.total} Abrechnungen abgeholt"
    db.session.commit()


def _finish_fetching(run_id: int, connection_id: int, work: Work) -> str:
    run = _reloaded(run_id)
    imported = len(run.reports)
    parts = [f"{imported} {'Bericht' if imported == 1 else 'Berichte'} importiert"]
    if work.duplicates:
        parts.append(f"{work.duplicates} bereits vorhanden")
    message = ", ".join(parts) + "."
    if work.not_imported:
        outcome = _finish(
            run,
            JobState.FAILED,
            message=message,
            error=f"{len(work.not_imported)} Bericht(e) nicht importiert: "
            + "; ".join(work.not_imported),
        )
    else:
        outcome = _finish(run, JobState.DONE, message=message)
    if run.kind == JobKind.SYNC.value:
        _record_sync(connection_id, run, work)
    # The summary is for what the automatic import brought, not for a retroactive import the
    # user started and watches.
    if imported and run.kind != JobKind.RETROACTIVE.value:
        _notify_import_summary(connection_id, run)
    return outcome


def _record_sync(connection_id: int, run: JobRun, work: Work) -> None:
    connection = db.session.get(AmazonConnection, connection_id)
    if connection is None:
        return
    connection.last_sync_at = datetime.now(UTC)
    if run.state == JobState.DONE.value:
        assert work.listed_at is not None
        connection.last_sync_succeeded_at = datetime.fromisoformat(work.listed_at)
        connection.consecutive_failures, connection.last_error = 0, ""
        db.session.commit()
    else:
        _count_failure(connection, run.error)


# --- the VAT report of a month -------------------------------------------------------------


def _advance_vat_request(
    run: JobRun, connection: AmazonConnection, partner: SellingPartner, work: Work
) -> Deferred | str:
    month = date.fromisoformat(run.subject + "-01")
    label = month_label(month)
    client = connection.client
    if vat_month_imported(client.id, month):
        return _finish(run, JobState.DONE, message=f"Umsatzsteuerbericht {label} ist vorhanden.")
    order = next(row for row in ensure_integrations(client) if row.kind == Integration.ORDER)
    if work.report_id is None:
        marketplace_ids = vat_marketplace_ids(connection, order)
        if not marketplace_ids:
            return _finish(
                run, JobState.DONE, message="Amazon Order schließt alle Marktplätze aus."
            )
        following = _next_month(month)
        work.report_id = partner.create_report(
            VAT_REPORT,
            data_start=datetime(month.year, month.month, 1, tzinfo=UTC),
            # Amazon refuses a data end in the future (a month not over yet: FATAL follows).
            data_end=min(
                datetime(following.year, following.month, 1, tzinfo=UTC) - timedelta(seconds=1),
                datetime.now(UTC) - timedelta(minutes=1),
            ),
            marketplace_ids=marketplace_ids,
        )
        _note(run.id, f"Umsatzsteuerbericht {label} bei Amazon angefordert", progress=10)
        return Deferred(
            POLL[0] / _time_scale(), f"Amazon erstellt den Bericht {label}", urgent=True
        )
    entry = partner.report(work.report_id)
    if entry.status in ("IN_QUEUE", "IN_PROGRESS"):
        work.polls += 1
        if work.polls > POLLS:
            return _fail(
                run.id,
                f"Amazon hat den Umsatzsteuerbericht {label} nicht fertiggestellt; "
                "wir fordern ihn morgen erneut an.",
            )
        delay = POLL[min(work.polls, len(POLL) - 1)] / _time_scale()
        return Deferred(delay, f"Amazon erstellt den Bericht {label}", urgent=True)
    if entry.status == "CANCELLED":
        return _finish(
            run,
            JobState.DONE,
            message=f"Keine Daten: Amazon hat für {label} keinen Umsatzsteuerbericht erstellt "
            "(keine Umsätze in diesem Monat).",
        )
    if entry.status != "DONE" or entry.document_id is None:  # FATAL
        return _fail(
            run.id,
            f"Amazon hat den Umsatzsteuerbericht {label} noch nicht bereit (Status "
            f"{entry.status}); wir fordern ihn morgen erneut an.",
        )
    _note(run.id, f"Umsatzsteuerbericht {label} wird abgeholt", progress=50)
    result = fetch_and_import(
        client,
        order,
        partner,
        entry.document_id,
        file_name=vat_file_name(month, entry.report_id),
        user_id=run.created_by_id,
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
    )
    work.pending, work.total = [], 1
    _record(run.id, result, work)
    outcome = _finish_fetching(run.id, connection.id, work)
    return outcome


# --- endings -------------------------------------------------------------------------------


def _finish(run: JobRun, state: JobState, *, message: str = "", error: str = "") -> str:
    run = _reloaded(run.id)
    run.state, run.message, run.error = state.value, message[:500], error
    if state == JobState.DONE:
        run.progress = 100
    run.finished_at = datetime.now(UTC)
    db.session.commit()
    return state.value


def _fail(run_id: int, error: str) -> str:
    db.session.rollback()
    run = _reloaded(run_id)
    outcome = _finish(run, JobState.FAILED, error=error)
    if run.kind == JobKind.SYNC.value:
        connection = db.session.scalar(
            sa.select(AmazonConnection).filter_by(client_id=run.client_id)
        )
        if connection is not None:
            connection.last_sync_at = datetime.now(UTC)
            _count_failure(connection, error)
    return outcome


def _backoff(run_id: int, work: Work, exc: AmazonError) -> Deferred | str:
    db.session.rollback()
    work.failures += 1
    if work.failures > len(BACKOFF):
        return _fail(run_id, exc.message)
    delay = BACKOFF[work.failures - 1] / _time_scale()
    return Deferred(delay, f"{exc.message} (neuer Versuch in {delay:.0f} s)")


def _renewal_needed(run_id: int, connection_id: int, exc: TokenRevoked) -> str:
    """Amazon refused the refresh token: the connection stops until the user renews it."""
    from amazon.connections import mark_renewal_needed

    db.session.rollback()
    connection = db.session.get(AmazonConnection, connection_id)
    assert connection is not None
    first = connection.active
    if first:
        mark_renewal_needed(connection, exc.message)
        db.session.commit()
    outcome = _fail(run_id, exc.message)
    if first and _notifying(connection):
        from mail.notifications import notify_renewal_needed

        notify_renewal_needed(connection)
    return outcome


def _count_failure(connection: AmazonConnection, error: str) -> None:
    connection.consecutive_failures += 1
    connection.last_error = error
    db.session.commit()
    if connection.consecutive_failures == REPEATED_FAILURES and _notifying(connection):
        from mail.notifications import notify_repeated_failures

        notify_repeated_failures(connection)


def _notify_import_summary(connection_id: int, run: JobRun) -> None:
    """After an automatic import, if the integration of an imported report notifies."""
    connection = db.session.get(AmazonConnection, connection_id)
    if connection is None:
        return
    kinds = {report.integration for report in run.reports}
    if any(row.notify for row in ensure_integrations(connection.client) if row.kind in kinds):
        from mail.notifications import notify_import_summary

        notify_import_summary(connection, run)


def _notifying(connection: AmazonConnection) -> bool:
    return any(row.notify for row in ensure_integrations(connection.client))


def _note(run_id: int, message: str, *, progress: int | None = None) -> None:
    run = _reloaded(run_id)
    run.message = message[:500]
    if progress is not None:
        run.progress = progress
    db.session.commit()


def _note_unexpected(run_id: int) -> None:
    run = db.session.get(JobRun, run_id)
    if run is not None:
        run.error = UNEXPECTED
        db.session.commit()


def _reloaded(run_id: int) -> JobRun:
    run = db.session.get(JobRun, run_id)
    assert run is not None
    return run
