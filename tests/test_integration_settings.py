"""Erweiterte Einstellungen of an integration: automatic import, e-mail notification with its
recipients, booking granularity, and the marketplaces (Payout lists them, Order excludes)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import BookingRuleSet, ClientIntegration, IntegrationMarketplace
from models.booking_rules import seed_client_rules
from models.integration import ensure_integrations
from tests.factories import make_client, make_user
from tests.helpers import csrf_token_of


@pytest.fixture
def shop(app, db_session):
    user = make_user("anna@example.org", name="Anna Beispiel")
    client = make_client(user.organisation_id)
    seed_client_rules(client)
    ensure_integrations(client)
    db_session.commit()
    return client


@pytest.fixture
def logged_in(auth, shop):
    auth.login()
    return shop


def settings_url(shop, integration: str) -> str:
    return f"/clients/{shop.id}/integrations/{integration}/settings"


def save(client, shop, integration, **data):
    path = settings_url(shop, integration)
    token = csrf_token_of(client.get(path))
    return client.post(path, data={"granularity": "per_order", **data, "csrf_token": token})


def integration_of(db_session, shop, kind: str) -> ClientIntegration:
    db_session.expire_all()
    return db_session.scalar(sa.select(ClientIntegration).filter_by(client_id=shop.id, kind=kind))


def test_the_page_shows_the_current_settings(client, logged_in):
    page = client.get(settings_url(logged_in, "payout"))
    assert page.status_code == 200
    assert "Erweiterte Einstellungen: Amazon Payout" in page.text
    assert 'checked id="auto_import"' in page.text  # automatic import is on by default
    assert 'checked id="granularity-0" name="granularity" type="radio" value="per_order"' in (
        page.text
    )
    assert "Gebührenbuchungen zusammenfassen" in page.text


def test_the_settings_are_saved(client, logged_in, db_session):
    response = save(
        client,
        logged_in,
        "payout",
        notify="y",
        notify_recipients=" buchhaltung@example.org,  Steuer@Kanzlei.example ",
        granularity="fees_per_day",
    )
    assert response.status_code == 302
    stored = integration_of(db_session, logged_in, "payout")
    assert not stored.auto_import
    assert stored.notify
    assert stored.notify_recipients == "buchhaltung@example.org, Steuer@kanzlei.example"
    assert stored.granularity == "fees_per_day"
    assert integration_of(db_session, logged_in, "order").granularity == "per_order"
    assert "wurden gespeichert" in client.get(response.location).text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"notify": "y", "notify_recipients": ""}, "mindestens eine E-Mail-Adresse"),
        ({"notify_recipients": "a@example.org, kein-at"}, "„kein-at“ ist keine gültige"),
        ({"granularity": "hourly"}, "eine der Granularitäten"),
        ({"marketplaces": "Amazon.xx"}, "Marktplätze aus der Liste"),
    ],
)
def test_invalid_settings_are_refused_with_a_german_message(
    client, logged_in, db_session, data, message
):
    response = save(client, logged_in, "payout", auto_import="y", **data)
    assert response.status_code == 400
    assert message in response.text
    stored = integration_of(db_session, logged_in, "payout")
    assert (stored.notify, stored.notify_recipients, stored.granularity) == (
        False,
        "",
        "per_order",
    )
    assert stored.marketplaces == []


def test_order_imports_every_marketplace_except_the_excluded(client, logged_in, db_session):
    response = save(
        client, logged_in, "order", auto_import="y", marketplaces=["Amazon.fr", "Amazon.com"]
    )
    assert response.status_code == 302
    order = integration_of(db_session, logged_in, "order")
    assert not order.imports("amazon.fr") and not order.imports("Amazon.com")
    assert order.imports("Amazon.de") and order.imports("Amazon.it")
    page = client.get(settings_url(logged_in, "order"))
    assert "Ausgeschlossene Marktplätze" in page.text
    assert 'checked id="marketplaces-1" name="marketplaces" type="checkbox" value="Amazon.fr"' in (
        page.text
    )
    save(client, logged_in, "order", marketplaces=["Amazon.com"])
    order = integration_of(db_session, logged_in, "order")
    assert order.imports("Amazon.fr") and not order.imports("Amazon.com")


def test_a_new_payout_marketplace_gets_its_rule_set_and_the_advisor_hint(
    client, logged_in, db_session
):
    def rule_sets(marketplace):
        return db_session.scalar(
            sa.select(sa.func.count(BookingRuleSet.id)).filter_by(
                client_id=logged_in.id, integration="payout", marketplace=marketplace
            )
        )

    # Amazon.fr books like "*" and has no set of its own after seeding.
    assert rule_sets("Amazon.fr") == 0
    response = save(client, logged_in, "payout", marketplaces=["Amazon.de", "Amazon.fr"])
    assert response.status_code == 302
    payout = integration_of(db_session, logged_in, "payout")
    assert payout.imports("Amazon.fr") and not payout.imports("Amazon.it")
    assert rule_sets("Amazon.fr") == 1 and rule_sets("Amazon.de") == 1
    page = client.get(response.location)
    assert "Neu: Amazon.de, Amazon.fr" in page.text
    assert "vom Steuerberater prüfen" in page.text
    # Saving again adds nothing and keeps the rule sets.
    save(client, logged_in, "payout", marketplaces=["Amazon.fr"])
    assert [
        m.marketplace for m in integration_of(db_session, logged_in, "payout").marketplaces
    ] == ["Amazon.fr"]
    assert rule_sets("Amazon.de") == 1


def test_a_marketplace_stored_outside_the_known_list_survives_a_save(client, logged_in, db_session):
    payout = integration_of(db_session, logged_in, "payout")
    payout.marketplaces.append(IntegrationMarketplace(marketplace="Amazon.com.ng"))
    db_session.commit()
    page = client.get(settings_url(logged_in, "payout"))
    assert 'value="Amazon.com.ng"' in page.text
    save(client, logged_in, "payout", marketplaces=["Amazon.com.ng"])
    kept = [m.marketplace for m in integration_of(db_session, logged_in, "payout").marketplaces]
    assert kept == ["Amazon.com.ng"]


def test_a_client_without_integration_rows_gets_them_on_saving(client, auth, app, db_session):
    user = make_user("alt@example.org")
    old = make_client(user.organisation_id, mandant_nr=7)
    auth.login("alt@example.org")
    assert client.get(settings_url(old, "order")).status_code == 200
    db_session.rollback()  # the end of the request (the test shares its session)
    assert integration_of(db_session, old, "order") is None  # a GET commits nothing
    assert save(client, old, "order", auto_import="y").status_code == 302
    assert integration_of(db_session, old, "order").auto_import


def test_saving_without_the_csrf_token_is_refused(client, logged_in, db_session):
    response = client.post(settings_url(logged_in, "payout"), data={"notify": "y"})
    assert response.status_code == 400
    assert not integration_of(db_session, logged_in, "payout").notify


def test_an_unknown_integration_answers_404(client, logged_in):
    assert client.get(f"/clients/{logged_in.id}/integrations/ebay/settings").status_code == 404


def test_excluding_a_marketplace_marks_the_order_batches_outdated(client, logged_in, db_session):
    """The excluded marketplaces' revenue is left out of Order batches (importing.batches): a
    batch built before the change books it, so it is outdated ("veraltet")."""
    from commands.demo import history_files, seed_history
    from models import Batch, User

    vat_file = next(f for f in history_files() if f.integration.value == "order")
    seed_history(db_session.scalar(sa.select(User)), logged_in, [vat_file])
    assert db_session.scalar(sa.select(Batch.outdated)) is False

    save(client, logged_in, "order", auto_import="y", marketplaces=["Amazon.fr"])

    db_session.expire_all()
    assert db_session.scalar(sa.select(Batch.outdated)) is True
