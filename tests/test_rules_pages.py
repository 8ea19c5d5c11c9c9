"""Buchungsregeln pages: view and edit the accounts, tax keys and validity of a client's rule
sets, add and delete rules, reset a set to the SKR defaults, and add a rule for a
Klärungskonto key. Every saved change marks the integration's batches "veraltet"."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from importing.batches import current_fingerprint
from models import Batch, BookingRule, BookingRuleSet, Report, StoredFile
from models.batch import BatchState
from models.booking_rules import Integration, load_rule_book, seed_client_rules
from models.integration import ensure_integrations
from tests.factories import make_client, make_user
from tests.helpers import csrf_token_of


@pytest.fixture
def shop(app, db_session):
    user = make_user("anna@example.org", name="Anna Beispiel")
    client = make_client(user.organisation_id, chart="SKR03", account_length=4)
    seed_client_rules(client)
    ensure_integrations(client)
    db_session.commit()
    return client


@pytest.fixture
def logged_in(auth, shop):
    auth.login()
    return shop


def rule_set_of(shop, integration, marketplace="*") -> BookingRuleSet:
    from extensions import db

    return db.session.scalar(
        sa.select(BookingRuleSet).filter_by(
            client_id=shop.id, integration=integration, marketplace=marketplace
        )
    )


def url(shop, row: BookingRuleSet, suffix: str = "") -> str:
    return f"/clients/{shop.id}/integrations/{row.integration}/rules/{row.id}{suffix}"


def post(client, path, data):
    token = csrf_token_of(client.get(path if not path.endswith("/delete") else "/clients"))
    return client.post(path, data={**data, "csrf_token": token})


def make_batch(db_session, shop, integration: Integration, number: str = "1") -> Batch:
    """A report of `integration` with batch version 1, built with the current rules."""
    identity = (
        {"settlement_id": number}
        if integration == Integration.PAYOUT
        else {"activity_period": f"2025-{number}"}
    )
    stored = StoredFile(client_id=shop.id, file_name="r.txt", sha256="0" * 64, size=1, content=b"")
    report = Report(
        client_id=shop.id,
        integration=integration.value,
        source="upload",
        file=stored,
        sha256="0" * 64,
        format="v2",
        period_start=date(2025, 3, 1),
        period_end=date(2025, 3, 14),
        **identity,
    )
    fingerprint = current_fingerprint(shop.id, integration)
    batch = Batch(report=report, version=1, rules_fingerprint=fingerprint)
    db_session.add(batch)
    db_session.commit()
    return batch


def account_data(row: BookingRuleSet, **changes) -> dict:
    names = (
        "clearing_account",
        "debtor_account",
        "transit_account",
        "suspense_account",
        "fx_gain_account",
        "fx_loss_account",
    )
    return {**{name: getattr(row, name) for name in names}, **changes}


def payout_rule_data(**changes) -> dict:
    return {
        "transaction_type": "Other",
        "amount_type": "other-transaction",
        "amount_description": "Manual Processing Fee",
        "fulfillment": "*",
        "kind": "fee",
        "account": "4970",
        "tax_key": "9",
        "sachverhalt": "",
        "valid_from": "",
        "valid_to": "",
        "label": "Bearbeitungsgebühr",
        **changes,
    }


# -- viewing -----------------------------------------------------------------------------------


def test_the_rules_page_lists_a_rule_set_per_marketplace(client, logged_in):
    page = client.get(f"/clients/{logged_in.id}/integrations/payout/rules")
    assert page.status_code == 200
    assert "Buchungsregeln: Amazon Payout" in page.text
    assert "alle Marktplätze" in page.text
    assert "Amazon.de" in page.text and "Amazon.ca" in page.text  # their own fee taxes


def test_a_rule_set_page_shows_its_accounts_and_rules(client, logged_in):
    row = rule_set_of(logged_in, "payout", "Amazon.de")
    page = client.get(url(logged_in, row))
    assert page.status_code == 200
    assert 'value="10000"' in page.text  # the Sammeldebitor of SKR03
    assert "Verkaufsgebühren" in page.text
    assert "01.08.2024" in page.text  # the fee rules change to BU 9 on that day
    assert "Auf SKR-Standard zurücksetzen" in page.text


def test_an_order_rule_set_shows_the_tax_treatments(client, logged_in):
    row = rule_set_of(logged_in, "order")
    page = client.get(url(logged_in, row))
    assert page.status_code == 200
    assert "OSS_FROM_DE" in page.text and "240" in page.text


def test_an_unknown_integration_answers_404(client, logged_in):
    assert client.get(f"/clients/{logged_in.id}/integrations/ebay/rules").status_code == 404


def test_a_rule_set_under_the_other_integration_answers_404(client, logged_in):
    order_set = rule_set_of(logged_in, "order")
    path = f"/clients/{logged_in.id}/integrations/payout/rules/{order_set.id}"
    assert client.get(path).status_code == 404


# -- the fixed accounts ------------------------------------------------------------------------


def test_saving_the_accounts_stores_them_and_marks_the_batches_outdated(
    client, logged_in, db_session
):
    payout_batch = make_batch(db_session, logged_in, Integration.PAYOUT)
    order_batch = make_batch(db_session, logged_in, Integration.ORDER)
    row = rule_set_of(logged_in, "payout")
    response = post(client, url(logged_in, row), account_data(row, suspense_account="1591"))
    assert response.status_code == 302
    db_session.expire_all()
    assert rule_set_of(logged_in, "payout").suspense_account == "1591"
    assert db_session.get(Batch, payout_batch.id).state == BatchState.OUTDATED
    assert db_session.get(Batch, order_batch.id).state == BatchState.CREATED
    page = client.get(response.location)
    assert "wurden gespeichert" in page.text
    assert "Ein Buchungsstapel ist jetzt veraltet" in page.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("clearing_account", "12100", "Sachkonto hat bei Sachkontenlänge 4 höchstens 4 Stellen"),
        ("transit_account", "13A0", "nur aus Ziffern"),
        ("fx_gain_account", "", "Bitte geben Sie ein Konto an."),
        ("debtor_account", "1000", "Personenkonto hat bei Sachkontenlänge 4 genau 5 Stellen"),
    ],
)
def test_an_account_that_does_not_fit_the_ledger_is_refused(
    client, logged_in, db_session, field, value, message
):
    batch = make_batch(db_session, logged_in, Integration.PAYOUT)
    row = rule_set_of(logged_in, "payout")
    before = getattr(row, field)
    response = post(client, url(logged_in, row), account_data(row, **{field: value}))
    assert response.status_code == 400
    assert message in response.text
    db_session.expire_all()
    assert getattr(rule_set_of(logged_in, "payout"), field) == before
    assert db_session.get(Batch, batch.id).state == BatchState.CREATED


def test_a_longer_sachkontenlaenge_allows_longer_accounts(client, auth, app, db_session):
    user = make_user("lang@example.org")
    shop = make_client(user.organisation_id, account_length=6, mandant_nr=2)
    seed_client_rules(shop)
    db_session.commit()
    auth.login("lang@example.org")
    row = rule_set_of(shop, "payout")
    assert row.clearing_account == "121000"
    response = post(client, url(shop, row), account_data(row, suspense_account="159100"))
    assert response.status_code == 302


def test_saving_without_the_csrf_token_is_refused(client, logged_in, db_session):
    row = rule_set_of(logged_in, "payout")
    response = client.post(url(logged_in, row), data=account_data(row, suspense_account="1591"))
    assert response.status_code == 400
    db_session.expire_all()
    assert rule_set_of(logged_in, "payout").suspense_account == "1590"


# -- rules -------------------------------------------------------------------------------------


def test_a_new_payout_rule_books_its_key(client, logged_in, db_session):
    batch = make_batch(db_session, logged_in, Integration.PAYOUT)
    row = rule_set_of(logged_in, "payout")
    count = len(row.rules)
    response = post(client, url(logged_in, row, "/new"), payout_rule_data())
    assert response.status_code == 302
    db_session.expire_all()
    row = rule_set_of(logged_in, "payout")
    assert len(row.rules) == count + 1
    assert row.rules[-1].label == "Bearbeitungsgebühr"
    rules = load_rule_book(logged_in.id, Integration.PAYOUT).for_marketplace("Non-Amazon")
    rule = rules.match_payout(
        "Other", "other-transaction", "Manual Processing Fee", date(2025, 3, 1)
    )
    assert (rule.account, rule.tax_key, rule.kind) == ("4970", "9", "fee")
    assert db_session.get(Batch, batch.id).state == BatchState.OUTDATED


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tax_key": "12345"}, "1 bis 4 Ziffern"),
        ({"tax_key": "9a"}, "1 bis 4 Ziffern"),
        ({"account": "497000"}, "höchstens 5 Stellen"),
        ({"valid_from": "2025-02-01", "valid_to": "2025-01-31"}, "nicht vor „Gültig ab“"),
        ({"valid_from": "31.02.2025"}, "gültiges Datum"),
        ({"amount_type": ""}, "Bitte geben Sie ein Muster an"),
        ({"sachverhalt": "7", "tax_key": ""}, "braucht einen BU-Schlüssel"),
        ({"kind": "payout"}, "Art aus der Liste"),
    ],
)
def test_an_invalid_rule_is_refused_with_a_german_message(
    client, logged_in, db_session, changes, message
):
    row = rule_set_of(logged_in, "payout")
    count = len(row.rules)
    response = post(client, url(logged_in, row, "/new"), payout_rule_data(**changes))
    assert response.status_code == 400
    assert message in response.text
    db_session.expire_all()
    assert len(rule_set_of(logged_in, "payout").rules) == count


def test_editing_a_rule_changes_its_tax_key_and_validity(client, logged_in, db_session):
    row = rule_set_of(logged_in, "payout", "Amazon.de")
    rule = next(r for r in row.rules if r.label == "Verkaufsgebühren")
    path = url(logged_in, row, f"/{rule.id}")
    form = client.get(path)
    assert 'value="2024-08-01"' in form.text  # the stored validity, ready to edit
    data = payout_rule_data(
        transaction_type=rule.transaction_type,
        amount_type=rule.amount_type,
        amount_description=rule.amount_description,
        kind="fee",
        account=rule.account,
        tax_key="8",
        valid_from="01.09.2024",
        valid_to="",
        label="Verkaufsgebühren",
    )
    assert post(client, path, data).status_code == 302
    db_session.expire_all()
    stored = db_session.get(BookingRule, rule.id)
    assert (stored.tax_key, stored.valid_from, stored.valid_to) == ("8", date(2024, 9, 1), None)


def test_an_order_rule_is_added_with_treatment_country_and_net(client, logged_in, db_session):
    row = rule_set_of(logged_in, "order")
    data = {
        "treatment": "EU_LOCAL",
        "country": "pl",
        "net": "y",
        "account": "8339",
        "tax_key": "",
        "valid_from": "2021-07-01",
        "valid_to": "",
        "label": "Polen lokal",
    }
    assert post(client, url(logged_in, row, "/new"), data).status_code == 302
    rules = load_rule_book(logged_in.id, Integration.ORDER).for_marketplace("Amazon.pl")
    rule = rules.match_order("EU_LOCAL", "PL", date(2025, 3, 1))
    assert (rule.account, rule.net, rule.label) == ("8339", True, "Polen lokal")
    assert rules.match_order("EU_LOCAL", "CZ", date(2025, 3, 1)).account != "8339"


def test_deleting_a_rule_removes_it(client, logged_in, db_session):
    row = rule_set_of(logged_in, "payout")
    rule = next(r for r in row.rules if r.label == "Einbehalt")
    response = post(client, url(logged_in, row, f"/{rule.id}/delete"), {})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(BookingRule, rule.id) is None
    assert "wurde gelöscht" in client.get(response.location).text


def test_a_rule_of_another_rule_set_answers_404(client, logged_in, db_session):
    payout = rule_set_of(logged_in, "payout")
    other = rule_set_of(logged_in, "payout", "Amazon.de").rules[0]
    assert client.get(url(logged_in, payout, f"/{other.id}")).status_code == 404
    response = post(client, url(logged_in, payout, f"/{other.id}/delete"), {})
    assert response.status_code == 404
    assert db_session.get(BookingRule, other.id) is not None


def test_resetting_a_rule_set_restores_the_skr_defaults_of_that_set_only(
    client, logged_in, db_session
):
    de = rule_set_of(logged_in, "payout", "Amazon.de")
    other = rule_set_of(logged_in, "payout")
    defaults = de.to_rule_set()
    de.suspense_account = "1591"
    de.rules[0].account = "4999"
    del de.rules[1]
    other.suspense_account = "1592"
    db_session.commit()
    batch = make_batch(db_session, logged_in, Integration.PAYOUT)
    response = post(client, url(logged_in, de, "/reset"), {})
    assert response.status_code == 302
    db_session.expire_all()
    assert rule_set_of(logged_in, "payout", "Amazon.de").to_rule_set() == defaults
    assert rule_set_of(logged_in, "payout").suspense_account == "1592"
    assert db_session.get(Batch, batch.id).state == BatchState.OUTDATED


# -- Klärungskonto: a rule for an unmatched key --------------------------------------------------


def from_key_url(shop, integration="payout", **query) -> str:
    from urllib.parse import urlencode

    return f"/clients/{shop.id}/integrations/{integration}/rules/from-key?{urlencode(query)}"


KEY = {
    "transaction_type": "other-transaction",
    "amount_type": "other-transaction",
    "amount_description": "Liquidations Brokerage Fee",
}


def test_the_klaerungskonto_key_prefills_a_new_rule(client, logged_in):
    page = client.get(from_key_url(logged_in, **KEY, marketplace="Amazon.de"))
    assert page.status_code == 200
    assert 'value="Liquidations Brokerage Fee"' in page.text
    assert 'value="other-transaction"' in page.text
    de = rule_set_of(logged_in, "payout", "Amazon.de")
    assert f'<option selected value="{de.id}">Amazon.de</option>' in page.text


def test_a_rule_for_the_key_books_it_and_leads_back_to_the_report(client, logged_in, db_session):
    batch = make_batch(db_session, logged_in, Integration.PAYOUT)
    de = rule_set_of(logged_in, "payout", "Amazon.de")
    path = from_key_url(logged_in, **KEY, marketplace="Amazon.de", report_id=batch.report_id)
    report_page = f"/clients/{logged_in.id}/reports/{batch.report_id}"
    assert f'href="{report_page}"' in client.get(path).text
    data = {**KEY, "rule_set": str(de.id), "fulfillment": "*", "kind": "fee"}
    data |= {"account": "4970", "tax_key": "94", "sachverhalt": "7", "label": "Liquidation"}
    response = post(client, path, data)
    assert response.status_code == 302
    rules = load_rule_book(logged_in.id, Integration.PAYOUT).for_marketplace("Amazon.de")
    rule = rules.match_payout(*KEY.values(), date(2025, 3, 1))
    assert (rule.account, rule.tax_key, rule.sachverhalt) == ("4970", "94", "7")
    assert db_session.get(Batch, batch.id).state == BatchState.OUTDATED
    page = client.get(response.location)
    assert f'href="{report_page}"' in page.text
    assert "Buchungsstapel neu erstellen" in page.text and "Aktualisieren" in page.text


def test_an_order_key_prefills_treatment_and_country(client, logged_in, db_session):
    path = from_key_url(logged_in, "order", treatment="MARKETPLACE_COLLECTED", country="it")
    page = client.get(path)
    assert page.status_code == 200
    assert '<option selected value="MARKETPLACE_COLLECTED">' in page.text
    assert 'value="IT"' in page.text
    order = rule_set_of(logged_in, "order")
    data = {"rule_set": str(order.id), "treatment": "MARKETPLACE_COLLECTED", "country": "IT"}
    data |= {"account": "8339", "net": "y", "label": "IT vom Marktplatz erhoben"}
    assert post(client, path, data).status_code == 302
    rules = load_rule_book(logged_in.id, Integration.ORDER).for_marketplace("Amazon.it")
    assert rules.match_order("MARKETPLACE_COLLECTED", "IT", date(2025, 3, 1)).account == "8339"


def test_a_key_with_wildcard_characters_stays_literal(client, logged_in):
    page = client.get(from_key_url(logged_in, **{**KEY, "amount_description": "Fee *EU*"}))
    assert 'value="Fee [*]EU[*]"' in page.text


def test_the_way_back_leads_only_to_the_clients_own_report(client, logged_in, db_session):
    stranger = make_user("fremd@example.org")
    other = make_client(stranger.organisation_id, name="Fremde GmbH")
    seed_client_rules(other)
    foreign = make_batch(db_session, other, Integration.PAYOUT)
    order = make_batch(db_session, logged_in, Integration.ORDER)
    for report_id in (foreign.report_id, order.report_id, 999999):
        page = client.get(from_key_url(logged_in, **KEY, report_id=report_id))
        assert page.status_code == 200
        assert "Zurück zum Bericht" not in page.text, report_id


# -- with a real import ------------------------------------------------------------------------


def test_a_changed_rule_outdates_the_imported_batch_and_the_rebuild_books_it(
    client, auth, db_session
):
    """The monthly loop: import a settlement, change its fee account on the rules page, the
    batch is "veraltet", and the rebuilt batch books the fees on the new account."""
    from importing.batches import build_batch
    from importing.intake import import_file
    from tests.importing.helpers import SETTLEMENT_CA, make_shop, stored

    shop, user_id = make_shop("anna@example.org")
    result = import_file(
        shop, Integration.PAYOUT, stored(shop, SETTLEMENT_CA), source="upload", user_id=user_id
    )
    report = result.report
    first = report.current_batch
    assert first.state != BatchState.OUTDATED
    assert ";4971;" not in b"".join(f.content for f in first.files).decode("cp1252")

    auth.login()
    row = rule_set_of(shop, "payout", "Amazon.ca")
    rule = next(r for r in row.rules if r.label.startswith("Verkaufsgebühren"))
    path = url(shop, row, f"/{rule.id}")
    data = payout_rule_data(
        transaction_type=rule.transaction_type,
        amount_type=rule.amount_type,
        amount_description=rule.amount_description,
        fulfillment=rule.fulfillment,
        kind=rule.kind,
        account="4971",
        tax_key=rule.tax_key,
        sachverhalt=rule.sachverhalt,
        label=rule.label,
    )
    assert post(client, path, data).status_code == 302
    db_session.expire_all()
    assert db_session.get(Batch, first.id).state == BatchState.OUTDATED

    second = build_batch(db_session.get(Report, report.id))
    db_session.commit()
    assert second.version == 2 and second.state != BatchState.OUTDATED
    assert ";4971;" in b"".join(f.content for f in second.files).decode("cp1252")
