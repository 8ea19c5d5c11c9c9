"""The whole way of the summary e-mail: a sync of a sandbox seller on real `flask jobs worker`
processes imports the settlements, the worker's mail job delivers the summary over real SMTP,
and its links lead to those reports and batches."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from config import sandbox_endpoints
from extensions import db
from jobs.amazon_sync import enqueue_sync
from mail.sink import start_mail_sink
from models import Report
from models.integration import ClientIntegration
from tests.helpers import csrf_token_of, free_port
from tests.sync.sync_helpers import wait_for

PUBLIC_URL = "https://kontor.example.org"


@pytest.fixture
def mail_sink():
    port = free_port()
    controller, handler = start_mail_sink("127.0.0.1", port)
    handler.url = f"smtp://127.0.0.1:{port}"
    yield handler
    controller.stop()


@pytest.fixture
def kontor_settings(sandbox, mail_sink):
    from tests.sync.sync_helpers import TIME_SCALE

    return {
        **sandbox_endpoints(sandbox.url),
        "SPAPI_TIME_SCALE": float(TIME_SCALE),
        "MAIL_URL": mail_sink.url,
        "PUBLIC_URL": PUBLIC_URL,
        # The unsubscribe link is signed by the worker and checked by the web app.
        "SECRET_KEY": "test-secret",
    }


def arrived(sink, count: int, timeout: float = 30.0) -> list:
    deadline = time.monotonic() + timeout
    while len(sink.messages) < count:
        assert time.monotonic() < deadline, "no e-mail arrived"
        time.sleep(0.1)
    return sink.messages


def test_a_sync_mails_its_summary_whose_links_open_the_imported_reports(
    app, connect, workers, mail_sink
):
    connection = connect(2, email="inhaberin@example.org")  # Kräuterkontor: Amazon.de only
    payout = db.session.scalar(
        sa.select(ClientIntegration).filter_by(client_id=connection.client_id, kind="payout")
    )
    payout.notify, payout.notify_recipients = True, "buchhaltung@example.org"
    db.session.commit()
    workers(1)

    [run] = wait_for([enqueue_sync(connection).id], timeout=120)
    assert run.state == "done", (run.message, run.error)
    [message] = arrived(mail_sink, 1)

    settlements = db.session.scalars(
        sa.select(Report).filter_by(client_id=connection.client_id, integration="payout")
    ).all()
    assert settlements and {r.id for r in run.reports} >= {r.id for r in settlements}
    assert message["To"] == "buchhaltung@example.org"
    assert message["Subject"] == f"Kontor: {len(settlements)} neue Berichte für Shop 2"
    text = message.get_body(("plain",)).get_content()
    links = set(re.findall(r"https://kontor\.example\.org/[^\s]+", text))
    for report in settlements:
        assert f"{PUBLIC_URL}/clients/{connection.client_id}/reports/{report.id}" in links

    browser = app.test_client()
    token = csrf_token_of(browser.get("/login"))
    browser.post(
        "/login",
        data={
            "email": "inhaberin@example.org",
            "password": "richtig-gutes-passwort",
            "csrf_token": token,
        },
    )
    for link in links:
        response = browser.get(urlsplit(link).path)
        assert response.status_code == 200, link
