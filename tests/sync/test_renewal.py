"""A revoked refresh token stops the connection's jobs and marks it "Erneuerung nötig"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from extensions import db
from jobs.amazon_sync import enqueue_sync, enqueue_vat_request, run_inline
from models import AmazonConnection
from models.job_run import JobState
from tests.sync.sync_helpers import settlement_ids, wait_for
from tests.sync.test_sync import months_back


@pytest.mark.parametrize("how", ["revoked by the seller", "refused by LWA"])
def test_a_revoked_token_stops_the_sync_and_asks_for_renewal(how, connect, sandbox, workers):
    connection = connect(2)
    if how == "revoked by the seller":
        sandbox.revoke(connection.selling_partner_id)
    else:
        sandbox.fault(kind="revoked_token", operation="token")

    run = enqueue_sync(connection)
    workers(1)
    [run] = wait_for([run.id])

    assert run.state == JobState.FAILED
    assert "Erneuerung nötig" in run.error
    db.session.rollback()
    connection = db.session.get(AmazonConnection, connection.id)
    assert connection.state == "renewal_needed"
    assert connection.state_label == "Erneuerung nötig"
    assert settlement_ids(connection.client_id) == []


def test_the_connections_other_jobs_stop_too(connect, sandbox):
    connection = connect(2)
    month = months_back(1 if datetime.now(UTC).day >= 3 else 2)
    vat = enqueue_vat_request(connection, month, enqueue=False)
    sandbox.revoke(connection.selling_partner_id)
    run_inline(enqueue_sync(connection))

    vat = run_inline(vat)

    assert vat.state == JobState.FAILED
    assert "erneuert werden" in vat.error
    later = run_inline(enqueue_sync(connection))
    assert later.state == JobState.FAILED
    assert later.error == vat.error
