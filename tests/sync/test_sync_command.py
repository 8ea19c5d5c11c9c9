"""`flask amazon sync [--client ID] [--wait]`: a sync from the command line."""

from __future__ import annotations

import sqlalchemy as sa

from extensions import db
from models import JobRun
from models.job_run import JobKind, JobState
from tests.sync.sync_helpers import settlement_ids


def test_sync_wait_fetches_the_clients_reports_here_and_says_so(app, connect):
    connection = connect(2)
    other = connect(4)

    result = app.test_cli_runner().invoke(
        args=["amazon", "sync", "--client", str(connection.client_id), "--wait"]
    )

    assert result.exit_code == 0, result.output
    assert f"Shop {connection.client_id}: fertig." in result.output
    assert "Berichte importiert" in result.output
    assert settlement_ids(connection.client_id)
    assert settlement_ids(other.client_id) == []
    vat = db.session.scalars(sa.select(JobRun).filter_by(kind=JobKind.VAT_REQUEST.value)).all()
    assert vat and all(run.state == JobState.DONE for run in vat)


def test_sync_without_wait_enqueues_every_active_connection(app, connect):
    first, second = connect(2), connect(4)
    second.state = "renewal_needed"
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["amazon", "sync"])

    assert result.exit_code == 0, result.output
    assert f"Shop {first.client_id}: Abholung" in result.output
    assert f"Shop {second.client_id}: Erneuerung nötig, übersprungen." in result.output
    runs = db.session.scalars(sa.select(JobRun)).all()
    assert [(run.client_id, run.kind, run.state) for run in runs] == [
        (first.client_id, "sync", "queued")
    ]
    assert runs[0].rq_job_id


def test_sync_of_a_client_without_connection_fails(app, connect):
    result = app.test_cli_runner().invoke(args=["amazon", "sync", "--client", "999"])

    assert result.exit_code == 1
    assert "nicht mit Amazon verbunden" in result.output
