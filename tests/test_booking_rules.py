"""Booking rules in the database: seeded from the default rule book, edited, loaded."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from conftest import make_client, make_user
from datev.errors import RulesMissing
from datev.rules import NON_EUROPEAN_MARKETPLACES, default_rule_book
from models import BookingRuleSet
from models.booking_rules import (
    Integration,
    load_rule_book,
    reset_client_rules,
    seed_client_rules,
    seed_rule_set,
)

# Marketplace names as settlements (marketplace-name) and VAT reports (MARKETPLACE) write them.
MARKETPLACES = (
    "Amazon.de", "amazon.de", "Amazon.fr", "amazon.it", "Amazon.es", "Amazon.nl", "Amazon.pl",
    "Amazon.se", "Amazon.com.be", "Amazon.co.uk", "amazon.co.uk", "Amazon.com.tr",
    *NON_EUROPEAN_MARKETPLACES, "Non-Amazon", "",
)  # fmt: skip


@pytest.fixture
def shop(app, db_session):
    user = make_user("regeln@example.org")
    return make_client(user.organisation_id, chart="SKR04", fiscal_year_start_month=7)


def _rules(rule_set, integration):
    rules = rule_set.payout_rules if integration == Integration.PAYOUT else rule_set.order_rules
    return (rule_set.clearing_account, rule_set.debtor_account, rule_set.suspense_account, rules)


@pytest.mark.parametrize("integration", list(Integration))
def test_the_seeded_book_books_every_marketplace_as_the_default_book_does(
    shop, db_session, integration
):
    seed_client_rules(shop)
    db_session.commit()
    seeded = load_rule_book(shop.id, integration)
    default = default_rule_book("SKR04")
    for marketplace in MARKETPLACES:
        assert _rules(seeded.for_marketplace(marketplace), integration) == _rules(
            default.for_marketplace(marketplace), integration
        ), marketplace


def test_an_amazon_ca_settlement_gets_reverse_charge_fees_from_the_seeded_rules(shop, db_session):
    seed_client_rules(shop)
    db_session.commit()
    rules = load_rule_book(shop.id, Integration.PAYOUT).for_marketplace("Amazon.ca")
    commission = rules.match_payout("Order", "ItemFees", "Commission", date(2025, 3, 1))
    assert commission.tax_key == "94"
    item_price = rules.match_payout("Order", "ItemPrice", "Principal", date(2025, 3, 1))
    assert item_price.account != rules.debtor_account


def test_a_marketplace_added_later_gets_the_default_books_rules_for_it(shop, db_session):
    seed_rule_set(shop, Integration.PAYOUT)
    added = seed_rule_set(shop, Integration.PAYOUT, "Amazon.com")
    db_session.commit()
    expected = default_rule_book("SKR04").for_marketplace("Amazon.com")
    assert added.to_rule_set().payout_rules == expected.payout_rules


def test_seeding_twice_adds_nothing(shop, db_session):
    first = seed_client_rules(shop)
    seed_client_rules(shop)
    db_session.commit()
    count = db_session.scalar(sa.select(sa.func.count()).select_from(BookingRuleSet))
    assert count == len(first) >= 2


def test_resetting_keeps_every_marketplace_set(shop, db_session):
    seed_client_rules(shop)
    seed_rule_set(shop, Integration.PAYOUT, "amazon.fr")
    db_session.commit()
    before = {(s.integration, s.marketplace) for s in db_session.scalars(sa.select(BookingRuleSet))}
    shop.chart = "SKR03"
    reset_client_rules(shop)
    db_session.commit()
    sets = db_session.scalars(sa.select(BookingRuleSet)).all()
    assert {(s.integration, s.marketplace) for s in sets} == before
    assert {s.clearing_account for s in sets} == {"1210"}


def test_an_edited_rule_and_a_marketplace_set_are_what_the_engine_uses(shop, db_session):
    seed_rule_set(shop, Integration.PAYOUT)
    france = seed_rule_set(shop, Integration.PAYOUT, "amazon.fr")
    france.clearing_account = "1811"
    commission = next(r for r in france.rules if r.label == "Verkaufsgebühren")
    commission.account = "6771"
    db_session.commit()

    book = load_rule_book(shop.id, Integration.PAYOUT)
    fr, de = book.for_marketplace("Amazon.fr"), book.for_marketplace("amazon.de")
    assert fr.clearing_account == "1811" and de.clearing_account == "1810"
    day = date(2024, 9, 1)
    assert fr.match_payout("Order", "ItemFees", "Commission", day).account == "6771"
    assert de.match_payout("Order", "ItemFees", "Commission", day).account == "6770"


def test_validity_periods_survive_the_database(shop, db_session):
    seed_rule_set(shop, Integration.PAYOUT)
    db_session.commit()
    rules = load_rule_book(shop.id, Integration.PAYOUT).for_marketplace(None)
    before = rules.match_payout("Order", "ItemFees", "Commission", date(2024, 7, 31))
    after = rules.match_payout("Order", "ItemFees", "Commission", date(2024, 8, 1))
    assert (before.tax_key, after.tax_key) == ("94", "9")


def test_loading_rules_that_were_never_seeded_says_so_in_german(shop):
    with pytest.raises(RulesMissing, match="keine Buchungsregeln"):
        load_rule_book(shop.id, Integration.ORDER)


def test_batch_settings_come_from_the_client(shop):
    settings = shop.batch_settings()
    assert (settings.chart, settings.fy_start, settings.berater) == ("SKR04", (7, 1), 1001)


def test_the_seeded_rules_follow_the_clients_sitzland_and_kleinunternehmer_status(app, db_session):
    user = make_user("sitz@example.org")
    austrian = make_client(user.organisation_id, country="AT")
    small = make_client(user.organisation_id, mandant_nr=2, small_business=True)
    for shop in (austrian, small):
        seed_client_rules(shop)
    db_session.commit()
    day = date(2025, 3, 1)

    def commission(shop):
        rules = load_rule_book(shop.id, Integration.PAYOUT).for_marketplace("amazon.de")
        return rules.match_payout("Order", "ItemFees", "Commission", day)

    # Not established in Germany: Amazon's fees stay reverse charge after 08/2024 (§ 13b).
    assert commission(austrian).tax_key == "94"
    # A Kleinunternehmer deducts no input VAT: no BU 9 on the fee.
    assert commission(small).tax_key == ""


def test_a_client_with_a_clearing_account_per_marketplace_gets_them_seeded(app, db_session):
    user = make_user("konten@example.org")
    shop = make_client(user.organisation_id, clearing_per_marketplace=True)
    seed_client_rules(shop)
    db_session.commit()
    book = load_rule_book(shop.id, Integration.PAYOUT)
    assert book.for_marketplace("Amazon.de").clearing_account == "1211"
    assert book.for_marketplace("Amazon.fr").clearing_account == "1212"
    assert book.for_marketplace("*").clearing_account == "1210"
