"""Booking rules in the database: seeded from the defaults, edited, loaded for the engine."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from conftest import make_client, make_user
from models import BookingRuleSet


@pytest.fixture
def shop(app, db_session):
    user = make_user("regeln@example.org")
    return make_client(user.organisation_id, chart="SKR04", fiscal_year_start_month=7)


@pytest.mark.xfail(
    strict=True,
    reason="h6: PayoutRule.sachverhalt (#43) and .fulfillment are not stored by models/"
    "rule_store yet; the lead adds the columns and passes them in _payout_row/to_rule_set, "
    "then removes this mark",
)
def test_seeding_gives_a_client_the_default_rules_of_its_chart(shop, db_session):
    from datev import rule_store
    from datev.rules import default_rule_book

    rule_store.seed_client_rules(shop)
    db_session.commit()
    for integration in ("payout", "order"):
        loaded = rule_store.load_rule_book(shop.id, integration).for_marketplace("amazon.de")
        default = default_rule_book("SKR04").for_marketplace(None)
        assert loaded.clearing_account == "1810" and loaded.suspense_account == "1370"
        if integration == "payout":
            assert loaded.payout_rules == default.payout_rules
        else:
            assert loaded.order_rules == default.order_rules


def test_seeding_twice_adds_nothing(shop, db_session):
    from datev import rule_store

    rule_store.seed_client_rules(shop)
    rule_store.seed_client_rules(shop)
    db_session.commit()
    rule_set_model = BookingRuleSet
    assert db_session.scalar(sa.select(sa.func.count()).select_from(rule_set_model)) == 2


def test_an_edited_rule_and_a_marketplace_set_are_what_the_engine_uses(shop, db_session):
    from datev import rule_store

    rule_store.seed_rule_set(shop, "payout")
    france = rule_store.seed_rule_set(shop, "payout", "amazon.fr")
    france.clearing_account = "1811"
    commission = next(r for r in france.rules if r.label == "Verkaufsgebühren")
    commission.account = "6771"
    db_session.commit()

    book = rule_store.load_rule_book(shop.id, "payout")
    fr, de = book.for_marketplace("Amazon.fr"), book.for_marketplace("amazon.de")
    assert fr.clearing_account == "1811" and de.clearing_account == "1810"
    day = date(2024, 9, 1)
    assert fr.match_payout("Order", "ItemFees", "Commission", day).account == "6771"
    assert de.match_payout("Order", "ItemFees", "Commission", day).account == "6770"


def test_validity_periods_survive_the_database(shop, db_session):
    from datev import rule_store

    rule_store.seed_rule_set(shop, "payout")
    db_session.commit()
    rules = rule_store.load_rule_book(shop.id, "payout").for_marketplace(None)
    before = rules.match_payout("Order", "ItemFees", "Commission", date(2024, 7, 31))
    after = rules.match_payout("Order", "ItemFees", "Commission", date(2024, 8, 1))
    assert (before.tax_key, after.tax_key) == ("94", "9")


def test_loading_rules_that_were_never_seeded_says_so_in_german(shop):
    from datev import rule_store

    with pytest.raises(LookupError, match="keine Buchungsregeln"):
        rule_store.load_rule_book(shop.id, "order")


def test_batch_settings_come_from_the_client(shop):
    from datev import rule_store

    settings = rule_store.batch_settings(shop)
    assert (settings.chart, settings.fy_start, settings.berater) == ("SKR04", (7, 1), 1001)
