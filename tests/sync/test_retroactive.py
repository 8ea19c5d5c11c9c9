"""The retroactive import of one marketplace (wizard step 3): every settlement of it the client
does not have, at most 90 days back, through the API, each once."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from extensions import db
from importing.archive import store_file
from importing.intake import import_file
from jobs.amazon_sync import enqueue_retroactive_import, run_inline
from models import ImportLogEntry, JobRun, Report
from models.booking_rules import Integration
from models.job_run import JobKind, JobState
from tests.sync.sync_helpers import expected_settlement_ids, settlement_ids, wait_for

DE = "A1PA6795UKMFR9"
FR = "A13V1IB3VIYZZH"


def api_log(client_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(ImportLogEntry.file_name).where(
                ImportLogEntry.client_id == client_id, ImportLogEntry.source == "api"
            )
        )
    )


def test_a_retroactive_import_fetches_every_settlement_of_the_marketplace_once(
    connect, sandbox, workers
):
    connection = connect(1)
    since = datetime.now(UTC) - timedelta(days=89)
    expected = expected_settlement_ids(sandbox, 1, since=since, marketplaces={DE})
    assert len(expected) >= 5

    run = enqueue_retroactive_import(connection, Integration.PAYOUT, DE, user_id=None)
    workers(1)
    [run] = wait_for([run.id])

    assert run.state == JobState.DONE, run.error
    assert run.kind == JobKind.RETROACTIVE and run.subject == DE
    assert settlement_ids(connection.client_id) == expected
    reports = db.session.scalars(sa.select(Report)).all()
    assert {r.source for r in reports} == {"api"}
    assert {r.format for r in reports} == {"settlement-v2"}  # V1 only where V2 is missing
    assert {r.marketplaces for r in reports} == {"Amazon.de"}
    assert sorted(r.settlement_id for r in run.reports) == expected
    assert run.message.startswith(f"{len(expected)} Berichte importiert")
    # One download per settlement, though Amazon lists each twice (V1 and V2), some four times.
    assert len(api_log(connection.client_id)) == len(expected)


def test_a_second_retroactive_import_downloads_nothing_again(connect, app):
    connection = connect(2)
    first = run_inline(enqueue_retroactive_import(connection, "payout", DE, user_id=None))
    imported = settlement_ids(connection.client_id)
    assert first.state == JobState.DONE and imported

    second = run_inline(enqueue_retroactive_import(connection, "payout", DE, user_id=None))

    assert second.state == JobState.DONE, second.error
    assert second.reports == []
    assert settlement_ids(connection.client_id) == imported
    assert len(api_log(connection.client_id)) == len(imported)


def test_settlements_uploaded_before_are_not_downloaded(connect, sandbox, user):
    connection = connect(1)
    state = sandbox.state
    seller = state.sellers[0]
    since = datetime.now(UTC) - timedelta(days=89)
    listed = [
        e
        for e in state.settlement_entries(seller)
        if e.created >= since and e.marketplace_ids == [DE] and "v1" not in e.report_id
    ]
    uploaded_entry = sorted(listed, key=lambda e: e.created)[0]
    text = state.settlement_text(seller, uploaded_entry)
    stored = store_file(
        connection.client_id,
        "upload.txt",
        io.BytesIO(text.encode("cp1252")),
        user_id=None,
        max_bytes=10**8,
    )
    uploaded = import_file(connection.client, "payout", stored, source="upload", user_id=None)
    assert uploaded.report is not None

    run = run_inline(enqueue_retroactive_import(connection, "payout", DE, user_id=None))

    assert run.state == JobState.DONE, run.error
    expected = expected_settlement_ids(sandbox, 1, since=since, marketplaces={DE})
    assert settlement_ids(connection.client_id) == expected
    assert uploaded.report.settlement_id not in {r.settlement_id for r in run.reports}
    assert len(api_log(connection.client_id)) == len(expected) - 1


def test_the_same_retroactive_import_enqueued_twice_is_one_run(connect, app):
    connection = connect(1)

    first = enqueue_retroactive_import(connection, "payout", DE, user_id=None)
    again = enqueue_retroactive_import(connection, "payout", DE, user_id=None)
    other = enqueue_retroactive_import(connection, "payout", FR, user_id=None)

    assert again.id == first.id
    assert other.id != first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 2
