"""The VAT Transactions Report of a month: requested with createReport, polled with delayed
jobs until Amazon has it, imported once; no data and not-yet-available are answers too."""

from __future__ import annotations

from datetime import UTC, datetime

from jobs.amazon_sync import due_vat_months, enqueue_vat_request, run_inline
from models.job_run import JobState
from tests.sync.sync_helpers import wait_for
from tests.sync.test_sync import months_back, order_months, vat_runs


def test_the_vat_report_of_a_month_is_requested_polled_and_imported(connect, workers):
    connection = connect(2)
    month = months_back(1 if datetime.now(UTC).day >= 3 else 2)

    run = enqueue_vat_request(connection, month)
    workers(1)
    [run] = wait_for([run.id])

    assert run.state == JobState.DONE, run.error
    assert order_months(connection.client_id) == [f"{month:%Y-%m}"]
    assert [r.activity_period for r in run.reports] == [f"{month:%Y-%b}".upper()]


def test_a_month_without_sales_is_recorded_as_no_data_and_not_requested_again(connect):
    connection = connect(3)  # sells for the last five months only
    month = months_back(7)

    run = run_inline(enqueue_vat_request(connection, month))

    assert run.state == JobState.DONE, run.error
    assert run.message.startswith("Keine Daten")
    assert order_months(connection.client_id) == []
    assert month not in due_vat_months(connection.client_id, datetime.now(UTC))


def test_a_month_amazon_does_not_have_yet_is_asked_again_the_next_day(connect):
    connection = connect(2)
    this_month = datetime.now(UTC).date().replace(day=1)

    run = run_inline(enqueue_vat_request(connection, this_month))

    assert run.state == JobState.FAILED
    assert "morgen erneut" in run.error
    [recorded] = vat_runs(connection.client_id)
    assert recorded.id == run.id
