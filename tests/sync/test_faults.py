"""Reliability against Amazon's faults (the sandbox's fault injection), with real workers: every
report of the sync arrives exactly once, whatever Amazon does in between."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from extensions import db
from jobs.amazon_sync import enqueue_sync
from models import AmazonConnection
from models.job_run import JobState
from tests.sync.sync_helpers import expected_settlement_ids, settlement_ids, wait_for
from tests.sync.test_sync import vat_runs

FAULTS = {
    "throttled document": [{"kind": "429", "operation": "getReportDocument", "times": 4}],
    "throttled listing": [{"kind": "429", "operation": "getReports", "times": 2}],
    "throttled token": [{"kind": "429", "operation": "getReport", "times": 3}],
    "5xx": [
        {"kind": "503", "operation": "getReportDocument", "times": 2},
        {"kind": "500", "operation": "getReports", "times": 1},
    ],
    "token endpoint down": [{"kind": "503", "operation": "token", "times": 2}],
    "slow responses": [
        {"kind": "slow", "operation": "getReportDocument", "times": 2, "seconds": 1}
    ],
    "truncated gzip": [{"kind": "truncated_gzip", "operation": "downloadDocument", "times": 3}],
    "expired url": [{"kind": "expired_url", "operation": "downloadDocument", "times": 3}],
    "storm": [
        {"kind": "429", "operation": "getReportDocument", "times": 3},
        {"kind": "503", "operation": "getReportDocument", "times": 1},
        {"kind": "truncated_gzip", "operation": "downloadDocument", "times": 2},
        {"kind": "expired_url", "operation": "downloadDocument", "times": 2},
        {"kind": "503", "operation": "downloadDocument", "times": 1},
        {"kind": "429", "operation": "createReport", "times": 1},
        {"kind": "500", "operation": "getReport", "times": 1},
    ],
}


@pytest.mark.parametrize("faults", FAULTS.values(), ids=FAULTS.keys())
def test_every_report_arrives_once_despite(faults, connect, sandbox, workers):
    connection = connect(2)
    started = datetime.now(UTC)
    for fault in faults:
        sandbox.fault(seller=connection.selling_partner_id, **fault)

    run = enqueue_sync(connection)
    workers(1)
    [run] = wait_for([run.id], timeout=90)
    vat = wait_for([r.id for r in vat_runs(connection.client_id)], timeout=90)

    assert run.state == JobState.DONE, run.error
    assert all(r.state == JobState.DONE for r in vat), [r.error for r in vat]
    since = started - timedelta(days=89)
    assert settlement_ids(connection.client_id) == expected_settlement_ids(sandbox, 2, since=since)
    assert len(vat) >= 1
    # Every fault was met (a fault the sync never ran into tests nothing).
    used = {
        (f["kind"], f["operation"]): f["used"]
        for f in sandbox.http.get(f"{sandbox.url}/_sandbox/faults", timeout=10).json()
    }
    assert all(used[(f["kind"], f["operation"])] == f["times"] for f in faults), used


@pytest.mark.parametrize("time_scale", [2000])  # its backoff adds up to 43 minutes
def test_amazon_down_for_good_fails_the_sync_and_counts_the_failure(connect, sandbox, workers):
    connection = connect(2)
    sandbox.fault(kind="503", operation="getReports", seller=connection.selling_partner_id)

    run = enqueue_sync(connection)
    workers(1)
    [run] = wait_for([run.id], timeout=60)

    assert run.state == JobState.FAILED
    assert run.error == "Amazon ist gerade nicht erreichbar. Wir versuchen es später erneut."
    db.session.rollback()
    connection = db.session.get(AmazonConnection, connection.id)
    assert connection.consecutive_failures == 1
    assert connection.last_error == run.error
    assert connection.last_sync_succeeded_at is None
