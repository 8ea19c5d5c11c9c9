"""The switch to the Amazon API in a real browser, against the sandbox as Amazon: the demo-like
client with its uploaded history (a hole in it, and one marketplace never set up), Shops /
Accounts from the user menu, steps 1-3 of the wizard, the consent "Bestätigen" on the sandbox's
Seller Central page, the gap analysis naming the hole, the marketplaces, a retroactive import on
the worker, and the fetched reports listed with source API. Afterwards the refresh token is not
readable in the database."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from amazon.credentials import decrypt_refresh_token
from commands.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    LEFT_OUT,
    history_files,
    marketplaces_of,
    seed_demo,
    seed_history,
)
from config import sandbox_endpoints
from models.booking_rules import Integration
from tests.live_server import running_worker, serve_wsgi

pytestmark = pytest.mark.browser

JOB_TIMEOUT_MS = 120_000
# The marketplace the demo-like client never set up for Amazon Payout: step 3 offers it ("+").
NEW_MARKETPLACE = "Amazon.es"
# The sandbox's rate limits refill this much faster, and Kontor waits that much shorter.
TIME_SCALE = 50


@pytest.fixture
def sandbox():
    """The Amazon sandbox over real HTTP, on the real clock (the history is made from it)."""
    from sandbox import create_sandbox_app

    sandbox_app = create_sandbox_app({"SANDBOX_TIME_SCALE": TIME_SCALE})
    with serve_wsgi(sandbox_app) as base_url:
        yield base_url


@pytest.fixture
def amazon_settings(app, sandbox):
    settings = {
        **sandbox_endpoints(sandbox),
        "SPAPI_TIME_SCALE": float(TIME_SCALE),
    }
    app.config.update(settings)
    return settings


@pytest.fixture
def worker(app, database_url, redis_url, sandbox, tmp_path):
    """`flask jobs worker` on every queue, with the scheduler (delayed retries), talking to the
    sandbox."""
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SANDBOX_URL": sandbox,
        "SPAPI_TIME_SCALE": str(TIME_SCALE),
    }
    with running_worker([], env, tmp_path / "worker.log") as process:
        yield process


@pytest.fixture
def demo_client(app, db_session):
    """The demo client, its history uploaded without the settlements of NEW_MARKETPLACE (it
    sells there, but never set it up) and without one settlement (the hole)."""
    user, client = seed_demo()
    files = [
        f
        for f in history_files()
        if f.integration == Integration.ORDER or NEW_MARKETPLACE not in marketplaces_of(f.text)
    ]
    seed_history(user, client, files)
    hole = [f for f in files if f.integration == Integration.PAYOUT][LEFT_OUT]
    return client, hole


def log_in_as_demo(page, live_server):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-Mail").fill(DEMO_EMAIL)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_a_seller_switches_from_uploads_to_the_amazon_api(
    page, live_server, amazon_settings, worker, demo_client, db_session
):
    client, hole = demo_client
    hole_marketplace = marketplaces_of(hole.text).pop()
    hole_days = re.compile(rf"{hole.period_start:%d\.%m\.%Y} – ")
    log_in_as_demo(page, live_server)

    # The user menu under the name at the top right: Shops / Accounts.
    page.locator(".user-menu summary").click()
    page.locator(".user-menu").get_by_role("link", name="Shops / Accounts").click()
    expect(page.get_by_role("heading", name="Shops / Accounts")).to_be_visible()
    row = page.get_by_role("row", name=re.compile(client.name))
    expect(row.get_by_role("link", name="Verbindung hinzufügen")).to_be_visible()
    row.get_by_role("link", name="Wechsel zur Amazon API").click()

    # Step 1: the prerequisites and the gap analysis before connecting.
    expect(page.get_by_text("Schritt 1: Mit der Amazon API verbinden").first).to_be_visible()
    expect(
        page.get_by_text("Noch nicht alle bisher bei Amazon verfügbaren Berichte")
    ).to_be_visible()
    hole_row = page.locator("table.gaps tr.to-upload", has_text=hole_days)
    expect(hole_row).to_have_count(1)
    expect(hole_row).to_contain_text("bitte hochladen")
    expect(hole_row).to_contain_text("Alle Abrechnungen / Berichts-Repository")
    expect(page.get_by_role("heading", name=hole_marketplace)).to_be_visible()
    expect(page.locator(".to-upload-summary li")).to_have_count(1)
    expect(page.locator(".to-upload-summary")).to_contain_text(
        f"Amazon Payout, {hole_marketplace}: Abrechnung {hole.period_start:%d.%m.%Y} – "
    )
    expect(page.locator("table.gaps tr.reachable").first).to_contain_text(
        "wird automatisch nachgeholt"
    )

    # The consent on the sandbox's Seller Central page, and back to step 2.
    page.get_by_role("button", name="Verbindung einrichten").click()
    page.get_by_role("button", name="Bestätigen").click()
    page.wait_for_url(re.compile(rf"/clients/{client.id}/wechsel-zur-api/2"))
    expect(page.get_by_text("Schritt 2: Was passiert nach der Verbindung").first).to_be_visible()
    expect(page.get_by_text("Verbunden", exact=True).first).to_be_visible()
    expect(page.get_by_text("um den 3. des Folgemonats")).to_be_visible()
    expect(page.locator("table.gaps tr.to-upload", has_text=hole_days)).to_have_count(1)

    # Step 3: Order lists every marketplace of the connection; Payout offers the new one.
    page.get_by_role("link", name="Weiter zu Schritt 3").click()
    order = page.locator("#amazon-order")
    for name in ("Amazon.de", "Amazon.es", "Amazon.fr", "Amazon.it", "Amazon.nl"):
        expect(order.get_by_label(name)).to_be_checked()
    order.get_by_role("button", name="Speichern").click()
    expect(page.locator(".flash-success")).to_contain_text("Amazon Order wurden gespeichert")

    payout = page.locator("#amazon-payout")
    payout.get_by_label("Weitere Marktplätze (per API verfügbar)").select_option(
        label=NEW_MARKETPLACE
    )
    payout.get_by_role("button", name="Marktplatz hinzufügen").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "ggf. musst du das Setup von deiner Steuerberatung überprüfen lassen"
    )
    expect(page.locator("#amazon-payout li", has_text=NEW_MARKETPLACE)).to_be_visible()

    # API Import -> Rückwirkender Import of the new marketplace, on the worker.
    api_import = page.locator("#api-import")
    expect(api_import.get_by_label("Marktplatz")).to_have_value(
        re.compile(r"^A1RKKUPIHCS9HS$")  # Amazon.es, preselected after "+"
    )
    api_import.get_by_role("button", name="Rückwirkender Import").click()
    expect(page.locator(".job-state")).to_have_text("fertig", timeout=JOB_TIMEOUT_MS)

    # The fetched reports, listed with source API, in Amazon Payout.
    page.goto(f"{live_server}/clients/{client.id}/integrations/payout")
    fetched = page.locator("table.data tbody tr", has_text=NEW_MARKETPLACE)
    expect(fetched.first).to_contain_text("API")
    assert worker.poll() is None, worker.log_path.read_text()

    sources = dict(
        db_session.execute(
            sa.text(
                "SELECT source, count(*) FROM reports WHERE client_id = :id AND marketplaces = :m"
                " GROUP BY source"
            ),
            {"id": client.id, "m": NEW_MARKETPLACE},
        ).all()
    )
    assert sources.get("api", 0) >= 5 and "upload" not in sources  # 90 days of fortnights
    # The refresh token is stored encrypted: the raw column holds no readable token.
    raw = db_session.execute(sa.text("SELECT refresh_token_encrypted FROM amazon_connections"))
    [stored] = raw.scalars().all()
    assert "Atzr|" not in stored
    plain = decrypt_refresh_token(stored)
    assert plain.startswith("Atzr|") and plain not in stored
