"""The sync of a connection: the settlements since the last successful sync (at most 89 days
back) of the marketplaces Payout imports, and the VAT reports Amazon has ready, each once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from extensions import db
from jobs.amazon_sync import due_vat_months, enqueue_sync, run_inline
from models import AmazonConnection, ImportLogEntry, IntegrationMarketplace, JobRun, Report
from models.integration import ensure_integrations
from models.job_run import JobKind, JobState
from tests.sync.sync_helpers import expected_settlement_ids, settlement_ids

FR = "A13V1IB3VIYZZH"


def months_back(count: int):
    today = datetime.now(UTC).date().replace(day=1)
    for _ in range(count):
        today = (today - timedelta(days=1)).replace(day=1)
    return today


def vat_runs(client_id: int) -> list[JobRun]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(JobRun)
            .filter_by(client_id=client_id, kind=JobKind.VAT_REQUEST.value)
            .order_by(JobRun.subject)
        )
    )


def order_months(client_id: int) -> list[str]:
    return [
        f"{r.period_start:%Y-%m}"
        for r in db.session.scalars(
            sa.select(Report)
            .filter_by(client_id=client_id, integration="order")
            .order_by(Report.period_start)
        )
    ]


def api_downloads(client_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ImportLogEntry)
        .filter_by(client_id=client_id, source="api")
    )


def test_the_first_sync_fetches_89_days_of_settlements_and_the_vat_reports_amazon_has(
    connect, sandbox
):
    connection = connect(2)
    started = datetime.now(UTC)

    run = run_inline(enqueue_sync(connection))

    assert run.state == JobState.DONE, run.error
    since = started - timedelta(days=89)
    assert settlement_ids(connection.client_id) == expected_settlement_ids(sandbox, 2, since=since)
    due = due_months_of_the_first_sync(started)
    assert [r.subject for r in vat_runs(connection.client_id)] == due
    assert all(r.state == JobState.DONE for r in vat_runs(connection.client_id))
    assert order_months(connection.client_id) == due
    connection = db.session.get(AmazonConnection, connection.id)
    assert connection.last_sync_succeeded_at is not None
    assert connection.last_sync_succeeded_at >= started
    assert connection.consecutive_failures == 0


def due_months_of_the_first_sync(now: datetime) -> list[str]:
    """The months of the last 89 days whose report exists by now (from the 3rd of the next)."""
    months = []
    month = (now - timedelta(days=89)).date().replace(day=1)
    while True:
        following = (month + timedelta(days=32)).replace(day=1)
        if datetime(following.year, following.month, 3, tzinfo=UTC) > now:
            return months
        months.append(f"{month:%Y-%m}")
        month = following


def test_the_next_sync_downloads_nothing_it_has(connect, sandbox):
    connection = connect(2)
    run_inline(enqueue_sync(connection))
    downloads = api_downloads(connection.client_id)
    reports = db.session.scalar(sa.select(sa.func.count()).select_from(Report))

    again = run_inline(enqueue_sync(connection))

    assert again.state == JobState.DONE, again.error
    assert again.reports == []
    assert api_downloads(connection.client_id) == downloads
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == reports
    assert due_vat_months(connection.client_id, datetime.now(UTC)) == []


def test_payout_fetches_only_its_marketplaces(connect, sandbox):
    connection = connect(1)
    payout, _ = ensure_integrations(connection.client)
    payout.marketplaces.append(IntegrationMarketplace(marketplace="Amazon.fr"))
    db.session.commit()

    run = run_inline(enqueue_sync(connection))

    assert run.state == JobState.DONE, run.error
    since = datetime.now(UTC) - timedelta(days=89)
    assert settlement_ids(connection.client_id) == expected_settlement_ids(
        sandbox, 1, since=since, marketplaces={FR}
    )


def test_order_requests_no_vat_report_when_it_excludes_every_marketplace(connect):
    connection = connect(2)
    _, order = ensure_integrations(connection.client)
    order.marketplaces.append(IntegrationMarketplace(marketplace="Amazon.de", excluded=True))
    db.session.commit()

    run_inline(enqueue_sync(connection))

    assert vat_runs(connection.client_id) == []
    assert order_months(connection.client_id) == []


def test_integrations_without_automatic_import_are_left_alone(connect):
    connection = connect(2)
    for integration in ensure_integrations(connection.client):
        integration.auto_import = False
    db.session.commit()

    run = run_inline(enqueue_sync(connection))

    assert run.state == JobState.DONE
    assert run.message == "0 Berichte importiert."
    assert settlement_ids(connection.client_id) == []
    assert vat_runs(connection.client_id) == []


def test_a_sync_enqueued_twice_is_one_run(connect):
    connection = connect(2)

    first = enqueue_sync(connection)
    again = enqueue_sync(connection)

    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 1
