"""The monthly work in a real browser: upload a settlement, watch it import, look at its
transactions, download the batch, change a rule, rebuild, see the change, download again; and a
broken file gets the parser's message. The jobs run on `flask jobs worker`, a process of its own,
as in production."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from models.booking_rules import seed_client_rules
from models.integration import ensure_integrations
from tests.browser.test_journeys import log_in
from tests.factories import make_client
from tests.live_server import running_worker
from tests.test_integration_pages import settlement

pytestmark = pytest.mark.browser

JOB_TIMEOUT_MS = 60_000


@pytest.fixture
def worker(app, database_url, redis_url, tmp_path):
    """`flask jobs worker imports`, running until the test ends."""
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
    arguments = ["--without-scheduler", "imports"]
    with running_worker(arguments, env, tmp_path / "worker.log") as process:
        yield process


@pytest.fixture
def shop(app, user, db_session):
    shop = make_client(user.organisation_id, name="Espadrille Versand GmbH")
    seed_client_rules(shop)
    ensure_integrations(shop)
    db_session.commit()
    return shop


def extf_text(path: Path) -> str:
    """The bookings of a downloaded batch: one EXTF file, or the parts of a zip."""
    data = path.read_bytes()
    if not zipfile.is_zipfile(path):
        assert data.startswith(b'"EXTF"')
        return data.decode("cp1252")
    with zipfile.ZipFile(path) as archive:
        parts = [archive.read(name) for name in archive.namelist()]
    assert parts and all(part.startswith(b'"EXTF"') for part in parts)
    return "".join(part.decode("cp1252") for part in parts)


def wait_for_the_job(page) -> None:
    # The job page reloads itself (meta refresh) until the job is done.
    expect(page.locator(".job-state")).to_have_text("fertig", timeout=JOB_TIMEOUT_MS)


def test_a_seller_imports_a_settlement_rebuilds_it_and_downloads_the_batches(
    page, live_server, worker, shop, db_session, tmp_path
):
    # A settlement with FBA liquidations, which no default rule books: the Klärungskonto.
    settlement_id, data = settlement(unmatched=True)
    log_in(page, live_server)
    page.wait_for_url(f"{live_server}/clients")
    page.get_by_role("link", name="Espadrille Versand GmbH").click()
    page.get_by_role("link", name="Amazon Payout").click()
    expect(page.get_by_role("heading", name="Amazon Payout: Import")).to_be_visible()

    page.get_by_label("Bericht").set_input_files(
        {"name": f"{settlement_id}.txt", "mimeType": "text/plain", "buffer": data}
    )
    page.get_by_role("button", name="Hochladen").click()
    wait_for_the_job(page)
    page.get_by_role("link", name="Bericht ansehen").click()
    expect(page.get_by_role("heading", name=f"Auszahlung {settlement_id}")).to_be_visible()

    page.get_by_label("Typ").select_option("Refund")
    page.get_by_role("button", name="Filtern").click()
    rows = page.locator("table.transactions tbody tr")
    expect(rows.first).to_contain_text("Refund")
    expect(rows.filter(has_not_text="Refund")).to_have_count(0)

    with page.expect_download() as first:
        page.get_by_role("link", name="Buchungsstapel herunterladen").click()
    version_1 = tmp_path / "v1"
    first.value.save_as(version_1)
    assert ";2700;" not in extf_text(version_1)
    page.reload()
    expect(page.locator(".batch-state")).to_have_text("Regeln fehlen")

    # Klärungskonto: a rule for the unmatched key on the Buchungsregeln page, then back.
    unmatched = page.locator("section", has=page.get_by_role("heading", name="Klärungskonto"))
    unmatched.get_by_role("row", name="Liquidations").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Regel hinzufügen: Amazon Payout")).to_be_visible()
    page.get_by_label("Gegenkonto").fill("2700")
    page.get_by_role("button", name="Regel speichern").click()
    expect(page.locator(".flash-success")).to_contain_text("wurde hinzugefügt")
    page.get_by_role("link", name="Zurück zum Bericht").first.click()
    expect(page.locator(".batch-state")).to_have_text("veraltet")

    page.get_by_role("button", name="Aktualisieren").click()
    wait_for_the_job(page)
    page.get_by_role("link", name="Änderungen ansehen").click()
    # The liquidation moved from the Klärungskonto (SKR03 1590) to the new rule's account.
    balances = page.get_by_role("table", name="Salden je Konto, die sich geändert haben")
    expect(balances.get_by_role("row", name="1590")).to_contain_text("0,00")
    expect(balances.get_by_role("row", name="2700")).to_contain_text("-11,20")

    page.get_by_role("link", name="Zurück zum Bericht").click()
    expect(page.locator(".batch-state")).to_have_text("erstellt")
    expect(page.get_by_role("heading", name="Klärungskonto")).to_have_count(0)
    with page.expect_download() as second:
        page.get_by_role("link", name="Buchungsstapel herunterladen").click()
    version_2 = tmp_path / "v2"
    second.value.save_as(version_2)
    assert ";2700;" in extf_text(version_2)
    page.reload()
    expect(page.locator(".batch-state")).to_have_text("heruntergeladen")
    expect(page.get_by_text("Frühere Versionen")).to_be_visible()

    page.get_by_role("link", name="Zurück zum Import").click()
    page.get_by_label("Bericht").set_input_files(
        {"name": "kaputt.txt", "mimeType": "text/plain", "buffer": b"kein Bericht\n1\t2\n"}
    )
    page.get_by_role("button", name="Hochladen").click()
    expect(page.locator(".flash-error")).to_contain_text("kaputt.txt")
    assert worker.poll() is None, worker.log_path.read_text()
    assert db_session.scalar(sa.text("SELECT count(*) FROM reports")) == 1
