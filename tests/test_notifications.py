"""The e-mails of the automatic import: they travel over real SMTP (aiosmtpd on loopback) through
the mail job of the "mail" queue, and their links work when followed.

The reports are the local Amazon's (sandbox seller 1): imported through the API path of the
intake and recorded on a sync's JobRun, as the sync job does.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from functools import cache
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import current_app
from rq import SimpleWorker

from importing.archive import store_file
from importing.intake import import_file
from jobs.context import AppContextJob
from jobs.queues import get_queue, get_redis
from mail.notifications import (
    notify_import_summary,
    notify_renewal_needed,
    notify_repeated_failures,
)
from mail.sink import start_mail_sink
from models import db
from models.amazon_connection import AmazonConnection, ConnectionState
from models.booking_rules import seed_client_rules
from models.integration import ClientIntegration, ensure_integrations
from models.job_run import JobRun, JobState
from models.report import Report, Source
from sandbox import vat
from tests.factories import make_client, make_user
from tests.helpers import csrf_token_of, free_port
from tests.test_integration_pages import amazon_de_settlements as settlement_texts
from tests.test_integration_pages import sandbox_state

PUBLIC_URL = "https://kontor.example.org"


@cache
def amazon_de_settlements() -> tuple[bytes, ...]:
    """Seller 1's Amazon.de settlements (V2) as the API delivers them, oldest first."""
    return tuple(text.encode("cp1252") for _, text in settlement_texts())


def vat_report(month: int) -> bytes:
    state = sandbox_state()
    text = vat.render(state.seed, state.sellers[0], date(2026, month, 1), state.first_index)
    return text.encode("cp1252")


@pytest.fixture
def mail_sink(app):
    port = free_port()
    controller, handler = start_mail_sink("127.0.0.1", port)
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}"
    app.config["PUBLIC_URL"] = PUBLIC_URL
    yield handler
    controller.stop()


@pytest.fixture
def owner(app):
    return make_user("inhaberin@example.org", name="Ina Haber")


@pytest.fixture
def shop(owner):
    shop = make_client(owner.organisation_id, name="Espadrille Versand GmbH")
    seed_client_rules(shop)
    ensure_integrations(shop)
    db.session.commit()
    return shop


@pytest.fixture
def connection(shop):
    connection = AmazonConnection(
        client_id=shop.id,
        selling_partner_id=sandbox_state().sellers[0].selling_partner_id,
        refresh_token_encrypted="nicht-benutzt",
        connected_on=date(2026, 10, 1),
    )
    db.session.add(connection)
    db.session.commit()
    return connection


def integration(shop, kind: str) -> ClientIntegration:
    return db.session.scalar(sa.select(ClientIntegration).filter_by(client_id=shop.id, kind=kind))


def notify_on(shop, kind: str, recipients: str = "") -> ClientIntegration:
    row = integration(shop, kind)
    row.notify, row.notify_recipients = True, recipients
    db.session.commit()
    return row


def sync_importing(shop, *files: tuple[str, bytes]) -> JobRun:
    """A finished sync run that imported `files` ((integration, bytes)) through the API."""
    run = JobRun(
        client_id=shop.id,
        kind="sync",
        state=JobState.RUNNING.value,
        started_at=datetime.now(UTC),
    )
    db.session.add(run)
    db.session.commit()
    for number, (kind, data) in enumerate(files):
        stored = store_file(
            shop.id, f"api-{number}.txt", io.BytesIO(data), user_id=None, max_bytes=10**8
        )
        result = import_file(shop, kind, stored, source=Source.API, user_id=None)
        assert result.report is not None, result.message
        run.reports.append(result.report)  # as the sync job records what it imported
        db.session.commit()
    run.state, run.finished_at = JobState.DONE.value, datetime.now(UTC)
    db.session.commit()
    return run


def deliver_mail() -> None:
    """Run the mail queue as a worker does, in an app context of its own."""
    with current_app.app_context():
        SimpleWorker([get_queue("mail")], connection=get_redis(), job_class=AppContextJob).work(
            burst=True
        )


def parts(message) -> tuple[str, str]:
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"<>]+", text)


def local(url: str) -> str:
    """The path (and query) of one of Kontor's absolute links, for the test client."""
    assert url.startswith(PUBLIC_URL + "/"), url
    parts_ = urlsplit(url)
    return parts_.path + (f"?{parts_.query}" if parts_.query else "")


def login(client, email: str) -> None:
    token = csrf_token_of(client.get("/login"))
    response = client.post(
        "/login",
        data={"email": email, "password": "richtig-gutes-passwort", "csrf_token": token},
    )
    assert response.status_code == 302


def test_an_import_summary_arrives_over_smtp_and_its_links_work(
    app, client, mail_sink, shop, connection, owner
):
    notify_on(shop, "payout", "buchhaltung@example.org, steuer@example.org")
    first, second = amazon_de_settlements()[-2:]
    run = sync_importing(shop, ("payout", first), ("payout", second))

    notify_import_summary(connection, run)
    assert mail_sink.messages == [], "sent by the mail job, not by the sync job"
    deliver_mail()

    [message] = mail_sink.messages
    assert message["To"] == "buchhaltung@example.org, steuer@example.org"
    assert message["Subject"] == "Kontor: 2 neue Berichte für Espadrille Versand GmbH"
    text, html = parts(message)
    reports = db.session.scalars(sa.select(Report).order_by(Report.period_start)).all()
    for report in reports:
        period = f"{report.period_start:%d.%m.%Y} – {report.period_end:%d.%m.%Y}"
        assert f"Abrechnung {period} (Amazon.de)" in text
        assert period in html
        batch = report.current_batch
        summary = f"Buchungsstapel Version 1: {batch.bookings} Buchungen, {batch.state_label}"
        assert summary in text
        report_link = f"{PUBLIC_URL}/clients/{shop.id}/reports/{report.id}"
        assert report_link in links(text) and report_link in links(html)
    assert f"{PUBLIC_URL}/clients/{shop.id}/integrations/payout" in links(text)

    login(client, owner.email)
    for url in set(links(text)) - {message["List-Unsubscribe"].strip("<>")}:
        response = client.get(local(url))
        assert response.status_code == 200, url
        if "/download" in url:
            assert response.headers["Content-Disposition"].startswith("attachment")
    assert set(links(html)) == set(links(text))


def test_the_unsubscribe_link_asks_without_login_and_switches_notify_off_by_post(
    app, client, mail_sink, shop, connection
):
    notify_on(shop, "payout", "buchhaltung@example.org")
    notify_import_summary(connection, sync_importing(shop, ("payout", amazon_de_settlements()[-1])))
    deliver_mail()
    [message] = mail_sink.messages
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe in links(parts(message)[0]) and unsubscribe in links(parts(message)[1])

    page = client.get(local(unsubscribe))  # nobody logged in
    assert page.status_code == 200
    assert "Amazon Payout von Espadrille Versand GmbH" in page.text
    assert integration(shop, "payout").notify, "opening the link changes nothing"

    refused = client.post(local(unsubscribe))
    assert refused.status_code == 400, "the confirming POST needs its CSRF token"
    db.session.expire_all()
    assert integration(shop, "payout").notify

    done = client.post(local(unsubscribe), data={"csrf_token": csrf_token_of(page)})
    assert done.status_code == 302
    assert done.headers["Location"] == f"/clients/{shop.id}/integrations/payout/settings"
    db.session.expire_all()
    assert not integration(shop, "payout").notify
    assert integration(shop, "order").notify is False  # it was off and stays untouched

    again = client.get(local(unsubscribe))
    assert "bereits ausgeschaltet" in again.text


def test_a_forged_unsubscribe_token_is_not_found(client, shop):
    assert client.get("/notifications/unsubscribe/WzFd.forged").status_code == 404


def test_without_recipients_the_organisations_users_are_mailed(
    app, mail_sink, shop, connection, owner
):
    colleague = make_user("kollege@example.org", organisation=owner.organisation)
    make_user("fremd@example.org")  # another organisation
    notify_on(shop, "order")
    run = sync_importing(shop, ("order", vat_report(8)))

    notify_import_summary(connection, run)
    deliver_mail()

    [message] = mail_sink.messages
    assert message["To"] == f"{owner.email}, {colleague.email}"
    assert message["Subject"] == "Kontor: 1 neuer Bericht für Espadrille Versand GmbH"
    assert "Umsatzsteuerbericht 01.08.2026 – 31.08.2026" in parts(message)[0]


def test_each_recipient_gets_one_message_about_the_integrations_they_follow(
    app, mail_sink, shop, connection
):
    notify_on(shop, "payout", "beide@example.org, payout@example.org")
    notify_on(shop, "order", "Beide@example.org")
    run = sync_importing(shop, ("payout", amazon_de_settlements()[-1]), ("order", vat_report(8)))

    notify_import_summary(connection, run)
    deliver_mail()

    messages = {m["To"]: parts(m)[0] for m in mail_sink.messages}
    assert set(messages) == {"beide@example.org", "payout@example.org"}
    assert "Amazon Payout" in messages["beide@example.org"]
    assert "Amazon Order" in messages["beide@example.org"]
    assert "Umsatzsteuerbericht" not in messages["payout@example.org"]


def test_nothing_is_sent_when_notify_is_off_or_nothing_was_imported(
    app, mail_sink, shop, connection
):
    run = sync_importing(shop, ("payout", amazon_de_settlements()[-1]))
    assert notify_import_summary(connection, run) == []  # notify is off by default
    notify_on(shop, "payout", "buchhaltung@example.org")
    assert notify_import_summary(connection, sync_importing(shop)) == []
    deliver_mail()
    assert mail_sink.messages == []


def test_an_upload_while_a_sync_runs_is_not_in_its_summary(app, mail_sink, shop, connection):
    notify_on(shop, "payout", "buchhaltung@example.org")
    run = JobRun(client_id=shop.id, kind="sync", started_at=datetime.now(UTC))
    db.session.add(run)
    db.session.commit()
    stored = store_file(
        shop.id, "upload.txt", io.BytesIO(amazon_de_settlements()[-1]), user_id=None,
        max_bytes=10**8,
    )  # fmt: skip
    import_file(shop, "payout", stored, source=Source.UPLOAD, user_id=None)
    run.finished_at = datetime.now(UTC)
    db.session.commit()
    assert notify_import_summary(connection, run) == []


def test_a_connection_that_needs_renewal_is_announced_with_a_link_to_the_client(
    app, client, mail_sink, shop, connection, owner
):
    notify_on(shop, "payout", "buchhaltung@example.org")
    connection.state = ConnectionState.RENEWAL_NEEDED.value
    connection.last_error = "Die Freigabe für Kontor wurde in Seller Central entfernt."
    db.session.commit()

    notify_renewal_needed(connection)
    deliver_mail()

    [message] = mail_sink.messages
    assert message["Subject"] == "Kontor: Amazon-Verbindung von Espadrille Versand GmbH erneuern"
    text, html = parts(message)
    assert connection.selling_partner_id in text
    assert "Die Freigabe für Kontor wurde in Seller Central entfernt." in html
    client_link = f"{PUBLIC_URL}/clients/{shop.id}"
    assert client_link in links(text) and client_link in links(html)
    login(client, owner.email)
    assert client.get(local(client_link)).status_code == 200


def test_repeated_failures_are_announced_with_the_last_error(app, mail_sink, shop, connection):
    notify_on(shop, "payout", "buchhaltung@example.org")
    notify_on(shop, "order", "buchhaltung@example.org")
    connection.consecutive_failures = 3
    connection.last_error = "Amazon ist gerade nicht erreichbar."
    db.session.commit()

    notify_repeated_failures(connection)
    deliver_mail()

    [message] = mail_sink.messages
    text, _ = parts(message)
    assert "3-mal nacheinander fehlgeschlagen" in text
    assert "Letzte Meldung: Amazon ist gerade nicht erreichbar." in text
    for kind in ("payout", "order"):
        assert f"{PUBLIC_URL}/clients/{shop.id}/integrations/{kind}" in links(text)
    assert "Amazon Payout und Amazon Order" in text  # the unsubscribe covers both


def test_a_mail_that_smtp_refuses_is_retried_by_the_mail_queue(app, shop, connection):
    notify_on(shop, "payout", "buchhaltung@example.org")
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    notify_renewal_needed(connection)
    [job] = get_queue("mail").get_jobs()
    assert job.retries_left == 4
    deliver_mail()
    job.refresh()
    assert job.get_status() == "scheduled", "waits for its next attempt"


def test_the_development_sink_shows_the_messages_at_its_local_page(app, shop, connection, tmp_path):
    from mail.viewer import create_viewer

    port = free_port()
    controller, _ = start_mail_sink("127.0.0.1", port, tmp_path / "mail")
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        notify_on(shop, "payout", "buchhaltung@example.org")
        notify_import_summary(
            connection, sync_importing(shop, ("payout", amazon_de_settlements()[-1]))
        )
        deliver_mail()
    finally:
        controller.stop()

    viewer = create_viewer(tmp_path / "mail").test_client()
    listing = viewer.get("/").text
    assert "Kontor: 1 neuer Bericht für Espadrille Versand GmbH" in listing
    [name] = re.findall(r'href="/([0-9a-f]{32}\.eml)"', listing)
    shown = viewer.get(f"/{name}")
    assert "buchhaltung@example.org" in shown.text and "Abrechnung" in shown.text
    html = viewer.get(f"/{name}/html")
    assert html.content_type.startswith("text/html") and "<table" in html.text
    assert viewer.get("/../../etc/passwd").status_code == 404
    assert viewer.get("/0123.eml").status_code == 404
