"""The wizard "Wechsel zur Amazon API" (steps 1-3) and the connections on Shops / Accounts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import current_app, url_for

from commands.demo import history_files, seed_history
from models import (
    AmazonConnection,
    Batch,
    BookingRuleSet,
    ConnectionMarketplace,
    IntegrationMarketplace,
    JobRun,
    Report,
)
from models.booking_rules import Integration, seed_client_rules
from models.integration import ensure_integrations
from tests.factories import make_client, make_user
from tests.helpers import csrf_token_of

# Seller 1 of the sandbox sells on these (marketplaceParticipations).
PARTICIPATIONS = (
    ("A1PA6795UKMFR9", "DE", "Amazon.de", "EUR"),
    ("A1RKKUPIHCS9HS", "ES", "Amazon.es", "EUR"),
    ("A13V1IB3VIYZZH", "FR", "Amazon.fr", "EUR"),
    ("APJ6JRA9NG5V4", "IT", "Amazon.it", "EUR"),
    ("A1805IZSGTT6HS", "NL", "Amazon.nl", "EUR"),
)


@pytest.fixture(scope="module")
def files():
    """The sandbox seller 1's history, as the demo uploads it."""
    return history_files()


@pytest.fixture
def user(app):
    return make_user("anna@example.org", name="Anna Beispiel")


@pytest.fixture
def shop(user, db_session):
    client = make_client(user.organisation_id, name="Lindenhof Küche GmbH")
    seed_client_rules(client)
    ensure_integrations(client)
    db_session.commit()
    return client


@pytest.fixture
def logged_in(auth, shop):
    auth.login()
    return shop


def list_payout_marketplaces(shop, db_session, *names):
    payout = next(r for r in ensure_integrations(shop) if r.kind == "payout")
    for name in names:
        db_session.add(IntegrationMarketplace(integration_id=payout.id, marketplace=name))
    db_session.commit()


def connect(shop, db_session, *, state="active", connected_on=None) -> AmazonConnection:
    connection = AmazonConnection(
        client_id=shop.id,
        selling_partner_id="A2SANDBOXSELLER1",
        refresh_token_encrypted="gAAAAB-encrypted",
        state=state,
        connected_on=connected_on or datetime.now(UTC).date(),
        marketplaces=[
            ConnectionMarketplace(marketplace_id=mid, country_code=cc, name=name, currency=currency)
            for mid, cc, name, currency in PARTICIPATIONS
        ],
    )
    db_session.add(connection)
    db_session.commit()
    return connection


def post(client, page: str, action: str, data: dict):
    token = csrf_token_of(client.get(page))
    return client.post(action, data={**data, "csrf_token": token})


def url_of(endpoint: str, **values) -> str:
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def wizard(shop, step) -> str:
    return f"/clients/{shop.id}/wechsel-zur-api/{step}"


# -- step 1 ------------------------------------------------------------------------------------


def test_step_1_shows_the_prerequisites_the_gap_analysis_and_the_connect_button(
    client, logged_in, user, files, db_session
):
    payouts = [f for f in files if f.integration == Integration.PAYOUT][:4]
    # the second settlement of the first marketplace is missing from the uploads
    marketplace = payouts[0].key.split(":")[0]
    same = [f for f in files if f.key.startswith(marketplace + ":")][:3]
    seed_history(user, logged_in, [same[0], same[2]])

    page = client.get(wizard(logged_in, 1))

    assert page.status_code == 200
    assert 'aria-current="step">Schritt 1: Mit der Amazon API verbinden' in page.text
    assert "Schritt 2: Was passiert nach der Verbindung" in page.text
    assert "Schritt 3: Überprüfe deine aktiven Marktplätze" in page.text
    assert "Voraussetzungen" in page.text
    assert "Amazon Payout (2 hochgeladene Berichte)" in page.text
    assert "Noch nicht alle bisher bei Amazon verfügbaren Berichte sind hochgeladen" in page.text
    hole = same[1].period_start.strftime("%d.%m.%Y")
    assert f"<td>{hole} – " in page.text
    assert "bitte hochladen" in page.text
    summary = page.text.split('<div class="to-upload-summary">')[1].split("</div>")[0]
    assert f"Abrechnung {hole} – " in summary
    assert "Berichte &gt; Zahlungen &gt; Alle Abrechnungen / Berichts-Repository" in page.text
    assert f'action="{url_of("amazon_connect.start", client_id=logged_in.id)}"' in page.text
    assert f'name="next" value="/clients/{logged_in.id}/wechsel-zur-api/2"' in page.text
    assert "Verbindung einrichten" in page.text


def test_step_1_of_a_connected_client_leads_on_to_step_2(client, logged_in, db_session):
    connect(logged_in, db_session, connected_on=date(2026, 11, 3))

    page = client.get(wizard(logged_in, 1))

    assert "Amazon – Seller API: <strong>Verbunden</strong>" in page.text
    assert "verbunden am 03.11.2026" in page.text
    assert "Weiter zu Schritt 2" in page.text
    assert "Verbindung einrichten" not in page.text


def test_a_connection_needing_renewal_offers_the_consent_again(client, logged_in, db_session):
    connect(logged_in, db_session, state="renewal_needed")

    page = client.get(wizard(logged_in, 1))

    assert "<strong>Erneuerung nötig</strong>" in page.text
    assert "Verbindung erneuern" in page.text


def test_the_wizard_starts_at_step_1_or_after_connecting_at_step_2(client, logged_in, db_session):
    start = f"/clients/{logged_in.id}/wechsel-zur-api"
    assert client.get(start).headers["Location"].endswith(wizard(logged_in, 1))
    connect(logged_in, db_session)
    assert client.get(start).headers["Location"].endswith(wizard(logged_in, 2))


# -- step 2 ------------------------------------------------------------------------------------


def test_step_2_explains_the_daily_import_and_lists_the_reports_of_both_integrations(
    client, logged_in, user, files, db_session
):
    order = next(f for f in files if f.integration == Integration.ORDER)
    payout = next(f for f in files if f.integration == Integration.PAYOUT)
    seed_history(user, logged_in, [order, payout])
    db_session.execute(sa.update(Report).where(Report.integration == "order").values(source="api"))
    db_session.commit()
    connect(logged_in, db_session, connected_on=date(2026, 11, 3))

    page = client.get(wizard(logged_in, 2))

    assert page.status_code == 200
    assert "ab dem 03.11.2026" in page.text and "täglich automatisch abgerufen" in page.text
    assert "um den 3. des Folgemonats" in page.text
    assert "einen Bericht für jede Auszahlung von Amazon" in page.text
    assert "Erweiterte Einstellungen" in page.text
    reports = db_session.scalars(sa.select(Report).order_by(Report.integration)).all()
    for report in reports:
        assert f"/reports/{report.id}" in page.text
        assert f'<td class="num">{report.transaction_count:,}</td>'.replace(",", ".") in page.text
    assert "<td>API</td>" in page.text and "<td>Upload</td>" in page.text
    assert "1 hochgeladen, 0 über die API importiert" in page.text  # Payout
    assert "0 hochgeladen, 1 über die API importiert" in page.text  # Order
    assert page.text.count("<td>erstellt</td>") == 2  # both batches, not downloaded yet
    assert "Lückenanalyse" in page.text
    assert "Der automatische Import startet am Tag der Verbindung, dem 03.11.2026" in page.text
    assert page.text.count("Nächster automatischer Abruf: ") == 2
    assert re.search(r"Nächster automatischer Abruf: \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr", page.text)


def test_step_2_without_connection_says_there_is_no_automatic_fetch(client, logged_in):
    page = client.get(wizard(logged_in, 2))

    assert "Nächster automatischer Abruf: keiner: keine Verbindung zur Amazon API" in page.text
    # a cancelled consent comes back here: the way to connect is at hand
    assert f'href="{wizard(logged_in, 1)}">Zu Schritt 1: Verbindung einrichten</a>' in page.text


# -- step 3 ------------------------------------------------------------------------------------


def test_step_3_needs_the_connection(client, logged_in):
    page = client.get(wizard(logged_in, 3))

    assert page.status_code == 200
    assert "Bitte verbinden Sie zuerst die Amazon API" in page.text
    response = post(client, wizard(logged_in, 1), f"{wizard(logged_in, 3)}/order", {})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        wizard(logged_in, 1)
    )


def test_step_3_lists_every_marketplace_for_order_ticked_and_saving_excludes_the_unticked(
    client, logged_in, user, files, db_session
):
    seed_history(user, logged_in, [next(f for f in files if f.integration == Integration.ORDER)])
    connect(logged_in, db_session)

    page = client.get(wizard(logged_in, 3))
    for i, (_, _, name, _) in enumerate(PARTICIPATIONS):
        assert f'checked id="imported-{i}" name="imported" type="checkbox" value="{name}"' in (
            page.text
        )
    assert page.text.count('name="imported"') == 5

    kept = ["Amazon.de", "Amazon.es", "Amazon.it", "Amazon.nl"]
    response = post(
        client, wizard(logged_in, 3), f"{wizard(logged_in, 3)}/order", {"imported": kept}
    )

    assert response.status_code == 302
    db_session.expire_all()
    order = next(r for r in ensure_integrations(logged_in) if r.kind == "order")
    assert [(m.marketplace, m.excluded) for m in order.marketplaces] == [("Amazon.fr", True)]
    assert not order.imports("amazon.fr") and order.imports("amazon.de")
    # the batch booked Amazon.fr's revenue: it is outdated now
    assert db_session.scalar(sa.select(Batch.outdated)) is True
    shown = client.get(wizard(logged_in, 3)).text
    assert "Buchungsstapel sind jetzt veraltet" in shown
    assert '<input id="imported-2" name="imported" type="checkbox" value="Amazon.fr">' in shown

    # ticking it again imports it again
    post(
        client,
        wizard(logged_in, 3),
        f"{wizard(logged_in, 3)}/order",
        {"imported": [*kept, "Amazon.fr"]},
    )
    db_session.expire_all()
    assert order.imports("amazon.fr")


def test_a_marketplace_outside_the_connection_is_refused_for_order(client, logged_in, db_session):
    connect(logged_in, db_session)

    post(
        client, wizard(logged_in, 3), f"{wizard(logged_in, 3)}/order", {"imported": ["Amazon.com"]}
    )

    order = next(r for r in ensure_integrations(logged_in) if r.kind == "order")
    assert order.marketplaces == []
    assert "Bitte wählen Sie Marktplätze aus der Liste." in client.get(wizard(logged_in, 3)).text


def test_payout_keeps_its_marketplaces_and_plus_adds_one_of_the_api_with_default_accounts(
    client, logged_in, db_session
):
    list_payout_marketplaces(logged_in, db_session, "Amazon.de", "Amazon.fr")
    connect(logged_in, db_session)

    page = client.get(wizard(logged_in, 3))
    assert "<li>Amazon.de</li>" in page.text and "<li>Amazon.fr</li>" in page.text
    offered = page.text.split('id="add-marketplace"')[1].split("</select>")[0]
    assert "Amazon.it" in offered and "Amazon.nl" in offered and "Amazon.de" not in offered
    assert "ggf. musst du das Setup von deiner Steuerberatung überprüfen lassen" in page.text

    response = post(
        client,
        wizard(logged_in, 3),
        f"{wizard(logged_in, 3)}/payout",
        {"marketplace_id": "APJ6JRA9NG5V4"},
    )

    assert response.status_code == 302
    assert "neu=APJ6JRA9NG5V4" in response.headers["Location"]
    db_session.expire_all()
    payout = next(r for r in ensure_integrations(logged_in) if r.kind == "payout")
    assert [m.marketplace for m in payout.marketplaces] == ["Amazon.de", "Amazon.fr", "Amazon.it"]
    assert db_session.scalar(
        sa.select(BookingRuleSet).filter_by(
            client_id=logged_in.id, integration="payout", marketplace="Amazon.it"
        )
    )
    shown = client.get(response.headers["Location"]).text
    assert "Marktplatz Amazon.it ist eingerichtet, mit den Standard-Konten" in shown
    # the API import offers the new marketplace first
    assert 'selected value="APJ6JRA9NG5V4"' in shown
    assert "Rückwirkender Import" in shown


def test_plus_refuses_a_marketplace_payout_has_already(client, logged_in, db_session):
    list_payout_marketplaces(logged_in, db_session, "Amazon.de")
    connect(logged_in, db_session)

    post(
        client,
        wizard(logged_in, 3),
        f"{wizard(logged_in, 3)}/payout",
        {"marketplace_id": "A1PA6795UKMFR9"},
    )

    payout = next(r for r in ensure_integrations(logged_in) if r.kind == "payout")
    assert [m.marketplace for m in payout.marketplaces] == ["Amazon.de"]
    assert (
        "Diesen Marktplatz bietet die Amazon-Verbindung nicht an."
        in client.get(wizard(logged_in, 3)).text
    )


def test_payout_without_listed_marketplaces_imports_all_and_offers_no_plus(
    client, logged_in, db_session
):
    connect(logged_in, db_session)

    page = client.get(wizard(logged_in, 3))

    assert "Amazon Payout importiert die Auszahlungen aller Marktplätze." in page.text
    assert 'id="add-marketplace"' not in page.text


def test_the_retroactive_import_of_a_payout_marketplace_is_a_job_with_its_progress_page(
    client, logged_in, user, db_session
):
    list_payout_marketplaces(logged_in, db_session, "Amazon.de", "Amazon.it")
    connect(logged_in, db_session)

    response = post(
        client,
        wizard(logged_in, 3),
        f"{wizard(logged_in, 3)}/retroactive",
        {"marketplace_id": "APJ6JRA9NG5V4"},
    )

    run = db_session.scalar(sa.select(JobRun))
    assert (run.kind, run.integration, run.subject) == ("retroactive", "payout", "APJ6JRA9NG5V4")
    assert run.created_by_id == user.id and run.state == "queued"
    assert response.headers["Location"].endswith(f"/clients/{logged_in.id}/jobs/{run.id}")
    job_page = client.get(response.headers["Location"])
    assert job_page.status_code == 200 and "wartet" in job_page.text


def test_no_retroactive_import_of_a_marketplace_payout_does_not_import(
    client, logged_in, db_session
):
    list_payout_marketplaces(logged_in, db_session, "Amazon.de")
    connect(logged_in, db_session)

    post(
        client,
        wizard(logged_in, 3),
        f"{wizard(logged_in, 3)}/retroactive",
        {"marketplace_id": "APJ6JRA9NG5V4"},
    )

    assert db_session.scalar(sa.select(sa.func.count(JobRun.id))) == 0


def test_the_import_pages_of_a_connected_client_lead_to_the_api_import(
    client, logged_in, db_session
):
    integrations = f"/clients/{logged_in.id}/integrations"
    assert "API Import" not in client.get(f"{integrations}/payout").text
    connect(logged_in, db_session)

    for kind in ("payout", "order"):
        page = client.get(f"{integrations}/{kind}").text
        assert f'href="{wizard(logged_in, 3)}#amazon-{kind}">API Import</a>' in page


# -- access and CSRF ----------------------------------------------------------------------------


def test_another_organisations_client_is_not_found(client, logged_in, db_session):
    other = make_client(make_user("fremd@example.org").organisation_id, mandant_nr=2)
    connect(other, db_session)
    for page in ("", "/1", "/2", "/3"):
        assert client.get(f"/clients/{other.id}/wechsel-zur-api{page}").status_code == 404
    token = csrf_token_of(client.get(wizard(logged_in, 1)))
    for action in ("3/order", "3/payout", "3/retroactive"):
        response = client.post(
            f"/clients/{other.id}/wechsel-zur-api/{action}",
            data={"csrf_token": token, "marketplace_id": "A1PA6795UKMFR9"},
        )
        assert response.status_code == 404


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    client, logged_in, db_session
):
    list_payout_marketplaces(logged_in, db_session, "Amazon.de")
    connect(logged_in, db_session)

    response = client.post(
        f"{wizard(logged_in, 3)}/payout", data={"marketplace_id": "APJ6JRA9NG5V4"}
    )

    assert response.status_code == 400
    payout = next(r for r in ensure_integrations(logged_in) if r.kind == "payout")
    assert [m.marketplace for m in payout.marketplaces] == ["Amazon.de"]


def test_the_wizard_needs_a_login(client, shop):
    response = client.get(wizard(shop, 1))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- Shops / Accounts ----------------------------------------------------------------------------


def test_shops_accounts_offers_a_connection_or_shows_it(client, logged_in, user, db_session):
    connected = make_client(user.organisation_id, name="Zweiter Shop", mandant_nr=2)
    connect(connected, db_session)

    page = client.get("/clients")

    row = page.text.split("Lindenhof Küche GmbH")[1].split("</tr>")[0]
    assert "Verbindung hinzufügen" in row
    assert url_of("amazon_connect.choose", client_id=logged_in.id) in row
    assert f"/clients/{logged_in.id}/wechsel-zur-api" in row and "Wechsel zur Amazon API" in row
    other_row = page.text.split("Zweiter Shop")[1].split("</tr>")[0]
    assert "Amazon – Seller API: Verbunden" in other_row
    assert "Verbindung hinzufügen" not in other_row


def test_the_user_menu_under_the_name_leads_to_shops_accounts(client, logged_in):
    page = client.get(f"/clients/{logged_in.id}")

    menu = page.text.split('<details class="user-menu">')[1].split("</details>")[0]
    assert "Anna Beispiel" in menu
    assert '<a href="/clients">Shops / Accounts</a>' in menu
