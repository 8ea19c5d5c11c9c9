"""The box "Automatischer Import" of an integration's page: the connection's last and next
fetch, the settings behind them, the job history and "Erneut versuchen" for a failed job."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from rq import SimpleWorker

from blueprints.automatic_import import next_fetch
from formatting import TIMEZONE
from importing.archive import store_file
from importing.intake import import_file
from jobs.context import AppContextJob
from jobs.imports import UNEXPECTED
from jobs.queues import get_queue, get_redis
from models import db
from models.amazon_connection import AmazonConnection, ConnectionState
from models.booking_rules import seed_client_rules
from models.integration import ClientIntegration, ensure_integrations
from models.job_run import JobRun, JobState
from models.report import Report, Source
from tests.factories import make_client, make_user
from tests.helpers import csrf_token_of
from tests.test_notifications import amazon_de_settlements, vat_report

HOUR = 4


@pytest.fixture
def shop(auth, user):
    auth.login()
    shop = make_client(user.organisation_id, name="Espadrille Versand GmbH")
    seed_client_rules(shop)
    ensure_integrations(shop)
    db.session.commit()
    return shop


def connect(shop, **fields) -> AmazonConnection:
    connection = AmazonConnection(
        client_id=shop.id,
        selling_partner_id="A2SANDBOXSELLER",
        refresh_token_encrypted="nicht-benutzt",
        connected_on=date(2026, 10, 1),
        **fields,
    )
    db.session.add(connection)
    db.session.commit()
    return connection


def payout(shop) -> ClientIntegration:
    return db.session.scalar(
        sa.select(ClientIntegration).filter_by(client_id=shop.id, kind="payout")
    )


def stored_settlement(shop, data: bytes | None = None):
    data = data or amazon_de_settlements()[-1]
    stored = store_file(shop.id, "abrechnung.txt", io.BytesIO(data), user_id=None, max_bytes=10**8)
    db.session.commit()
    return stored


def failed_run(shop, **fields) -> JobRun:
    """A job as a worker that died mid-import leaves it once RQ gave up: failed, file kept."""
    now = datetime.now(UTC)
    run = JobRun(
        client_id=shop.id,
        state=JobState.FAILED.value,
        error=fields.pop("error", UNEXPECTED),
        started_at=now - timedelta(seconds=75),
        finished_at=now,
        **fields,
    )
    db.session.add(run)
    db.session.commit()
    return run


def run_jobs() -> None:
    with current_app.app_context():
        SimpleWorker([get_queue("imports")], connection=get_redis(), job_class=AppContextJob).work(
            burst=True
        )


def page(client, shop, integration: str = "payout") -> str:
    response = client.get(f"/clients/{shop.id}/integrations/{integration}")
    assert response.status_code == 200
    return response.text


def history_rows(html: str) -> list[str]:
    table = re.search(r'<table class="data job-history">(.*?)</table>', html, re.S)
    return re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)[1:] if table else []


# -- the next fetch ------------------------------------------------------------------------


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "last_sync", "expected"),
    [
        (at(3, 59), at(4, 20, day=1), at(4)),  # before today's hour
        (at(4, 30), at(4, 20, day=1), at(4)),  # within the hour, not fetched yet: still today
        (at(4, 30), at(4, 12), at(4, day=3)),  # within the hour, fetched already: tomorrow
        (at(5, 0), None, at(4, day=3)),  # the hour is over
        (at(23, 0), at(4, 5), at(4, day=3)),
    ],
)
def test_the_next_fetch_is_the_sync_hour_of_today_or_tomorrow(app, now, last_sync, expected):
    connection = AmazonConnection(state=ConnectionState.ACTIVE.value, last_sync_at=last_sync)
    row = ClientIntegration(kind="payout", auto_import=True)
    assert next_fetch(connection, row, now, HOUR) == expected


def test_there_is_no_next_fetch_without_connection_renewal_or_automatic_import(app):
    active = AmazonConnection(state=ConnectionState.ACTIVE.value)
    renewal = AmazonConnection(state=ConnectionState.RENEWAL_NEEDED.value)
    on, off = ClientIntegration(auto_import=True), ClientIntegration(auto_import=False)
    assert next_fetch(None, on, at(3), HOUR) is None
    assert next_fetch(renewal, on, at(3), HOUR) is None
    assert next_fetch(active, off, at(3), HOUR) is None


def test_the_page_shows_last_and_next_fetch_in_german_time(app, client, shop):
    app.config["SYNC_HOUR_UTC"] = 23  # 00:00 in Berlin, so the day turns too
    connect(
        shop,
        last_sync_at=datetime(2026, 11, 30, 23, 17, tzinfo=UTC),
        last_sync_succeeded_at=datetime(2026, 11, 30, 23, 17, tzinfo=UTC),
    )
    html = page(client, shop)
    assert "Automatischer Import" in html
    assert "Verbunden (Seller-ID A2SANDBOXSELLER, seit 01.10.2026)" in html
    assert "01.12.2026, 00:17" in html  # the last fetch
    upcoming = next_fetch(
        db.session.scalar(sa.select(AmazonConnection)), payout(shop), datetime.now(UTC), 23
    )
    shown = upcoming.astimezone(TIMEZONE)
    assert f"{shown:%d.%m.%Y}, 00:00 Uhr" in html


def test_the_page_says_why_nothing_is_fetched(client, shop):
    assert "nicht verbunden: Berichte kommen nur per Upload" in page(client, shop)
    assert "keiner: keine Verbindung zur Amazon API" in page(client, shop)
    connection = connect(shop, state=ConnectionState.RENEWAL_NEEDED.value)
    assert "erst nach der Erneuerung der Verbindung" in page(client, shop)
    connection.state = ConnectionState.ACTIVE.value
    payout(shop).auto_import = False
    db.session.commit()
    html = page(client, shop)
    assert "keiner: der automatische Import ist ausgeschaltet" in html
    assert f'href="/clients/{shop.id}/integrations/payout/settings"' in html


def test_repeated_failures_show_the_last_error(client, shop):
    connect(
        shop,
        last_sync_at=datetime(2026, 12, 1, 4, 3, tzinfo=UTC),
        last_sync_succeeded_at=datetime(2026, 11, 28, 4, 3, tzinfo=UTC),
        consecutive_failures=3,
        last_error="Amazon ist gerade nicht erreichbar.",
    )
    html = page(client, shop)
    assert "01.12.2026, 05:03 – fehlgeschlagen" in html
    assert "Zuletzt erfolgreich</dt><dd>28.11.2026, 05:03" in html
    assert "3-mal nacheinander fehlgeschlagen: Amazon ist gerade nicht erreichbar." in html


# -- the job history -----------------------------------------------------------------------


def test_the_history_lists_state_duration_reports_and_error(client, shop):
    stored = stored_settlement(shop)
    failed_run(shop, kind="import", integration="payout", file_id=stored.id)
    sync = JobRun(
        client_id=shop.id, kind="sync", state=JobState.RUNNING.value, started_at=datetime.now(UTC)
    )
    db.session.add(sync)
    db.session.commit()
    for kind, data in (("payout", amazon_de_settlements()[-2]), ("order", vat_report(8))):
        stored_api = store_file(
            shop.id, f"{kind}.txt", io.BytesIO(data), user_id=None, max_bytes=10**8
        )
        report = import_file(shop, kind, stored_api, source=Source.API, user_id=None).report
        db.session.commit()
        sync.reports.append(report)  # as the sync job records what it imported
        db.session.commit()
    sync.state, sync.finished_at = JobState.DONE.value, sync.started_at + timedelta(seconds=4)
    db.session.commit()

    newest, oldest = history_rows(page(client, shop))
    assert "Automatischer Abruf" in newest and "fertig" in newest and "4 s" in newest
    settlement = db.session.scalar(sa.select(Report).filter_by(integration="payout"))
    assert f"/clients/{shop.id}/reports/{settlement.id}" in newest
    assert "Erneut versuchen" not in newest
    assert "Import" in oldest and "fehlgeschlagen" in oldest and "1 min 15 s" in oldest
    assert UNEXPECTED in oldest and "Erneut versuchen" in oldest

    [order_sync] = history_rows(page(client, shop, "order"))  # a sync fetches for both
    vat = db.session.scalar(sa.select(Report).filter_by(integration="order"))
    assert f"/clients/{shop.id}/reports/{vat.id}" in order_sync
    assert f"/clients/{shop.id}/reports/{settlement.id}" not in order_sync


def test_erneut_versuchen_runs_a_failed_import_again(client, shop):
    run = failed_run(shop, kind="import", integration="payout", file_id=stored_settlement(shop).id)
    html = page(client, shop)

    response = client.post(
        f"/clients/{shop.id}/jobs/{run.id}/retry", data={"csrf_token": csrf_token_of(client.get(
            f"/clients/{shop.id}/integrations/payout"))},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == f"/clients/{shop.id}/jobs/{run.id}"
    db.session.expire_all()
    assert db.session.get(JobRun, run.id).state == JobState.QUEUED.value
    run_jobs()

    db.session.expire_all()
    assert db.session.get(JobRun, run.id).state == JobState.DONE.value
    report = db.session.scalar(sa.select(Report))
    assert report is not None and report.current_batch is not None
    [row] = history_rows(page(client, shop))
    assert "fertig" in row and "Erneut versuchen" not in row
    assert f"/clients/{shop.id}/reports/{report.id}" in row
    assert "Erneut versuchen" in html


def test_erneut_versuchen_rebuilds_a_failed_rebuild(client, shop):
    stored = stored_settlement(shop)
    report = import_file(shop, "payout", stored, source=Source.UPLOAD, user_id=None).report
    db.session.commit()
    run = failed_run(shop, kind="rebuild", integration="payout", report_id=report.id)
    job_page = client.get(f"/clients/{shop.id}/jobs/{run.id}")
    assert "Erneut versuchen" in job_page.text

    response = client.post(
        f"/clients/{shop.id}/jobs/{run.id}/retry", data={"csrf_token": csrf_token_of(job_page)}
    )
    assert response.status_code == 302
    run_jobs()
    db.session.expire_all()
    assert db.session.get(JobRun, run.id).state == JobState.DONE.value
    assert db.session.get(Report, report.id).current_batch.version == 2


def test_erneut_versuchen_is_post_only_with_csrf(client, shop):
    run = failed_run(shop, kind="import", integration="payout", file_id=stored_settlement(shop).id)
    assert client.get(f"/clients/{shop.id}/jobs/{run.id}/retry").status_code == 405
    assert client.post(f"/clients/{shop.id}/jobs/{run.id}/retry").status_code == 400
    db.session.expire_all()
    assert db.session.get(JobRun, run.id).state == JobState.FAILED.value
    assert get_queue("imports").count == 0


def test_a_refused_import_offers_no_retry(client, shop):
    run = failed_run(shop, kind="import", integration="payout", file_id=None)
    [row] = history_rows(page(client, shop))
    assert "Erneut versuchen" not in row
    response = client.post(
        f"/clients/{shop.id}/jobs/{run.id}/retry",
        data={"csrf_token": csrf_token_of(client.get(f"/clients/{shop.id}"))},
        follow_redirects=True,
    )
    assert "Dieser Auftrag lässt sich nicht erneut ausführen." in response.text
    assert get_queue("imports").count == 0


def test_another_organisations_job_is_not_found(client, shop, auth):
    run = failed_run(shop, kind="import", integration="payout", file_id=stored_settlement(shop).id)
    make_user("fremd@example.org")
    auth.logout()
    auth.login("fremd@example.org")
    token = csrf_token_of(client.get("/clients"))
    response = client.post(f"/clients/{shop.id}/jobs/{run.id}/retry", data={"csrf_token": token})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(JobRun, run.id).state == JobState.FAILED.value


def test_erneut_versuchen_of_a_failed_fetch_starts_a_new_one(client, shop):
    connect(shop)
    failed = failed_run(shop, kind="sync", integration="", error="Amazon ist nicht erreichbar.")
    retroactive = failed_run(
        shop, kind="retroactive", integration="payout", subject="A1PA6795UKMFR9"
    )
    token = csrf_token_of(client.get(f"/clients/{shop.id}"))

    response = client.post(f"/clients/{shop.id}/jobs/{failed.id}/retry", data={"csrf_token": token})
    db.session.expire_all()
    again = db.session.scalar(sa.select(JobRun).filter(JobRun.id > retroactive.id))
    assert again.kind == "sync" and again.state == JobState.QUEUED.value
    assert response.headers["Location"] == f"/clients/{shop.id}/jobs/{again.id}"
    assert db.session.get(JobRun, failed.id).state == JobState.FAILED.value  # history stays
    assert [job.args[0] for job in get_queue("default").get_jobs()] == [again.id]

    client.post(f"/clients/{shop.id}/jobs/{retroactive.id}/retry", data={"csrf_token": token})
    newest = db.session.scalar(sa.select(JobRun).order_by(JobRun.id.desc()))
    assert (newest.kind, newest.integration, newest.subject) == (
        "retroactive",
        "payout",
        "A1PA6795UKMFR9",
    )

    rows = history_rows(page(client, shop))
    assert sum("Erneut versuchen" in row for row in rows) == 0, "taken over by the new runs"


def test_a_failed_fetch_of_a_connection_that_needs_renewal_offers_no_retry(client, shop):
    connect(shop, state=ConnectionState.RENEWAL_NEEDED.value)
    failed_run(shop, kind="sync", integration="", error="Die Verbindung muss erneuert werden.")
    [row] = history_rows(page(client, shop))
    assert "Die Verbindung muss erneuert werden." in row
    assert "Erneut versuchen" not in row


def test_a_single_failure_is_told_as_the_last_fetch(client, shop):
    connect(shop, consecutive_failures=1, last_error="Amazon ist gerade nicht erreichbar.")
    assert "Der letzte Abruf ist fehlgeschlagen: Amazon ist gerade nicht erreichbar." in page(
        client, shop
    )
