"""Rule matching: wildcards, most specific rule first, validity periods, marketplaces."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from datev.errors import RulesMissing
from datev.rules import (
    DEBTOR,
    OrderRule,
    PayoutRule,
    RuleBook,
    RuleKind,
    default_rule_book,
    default_rule_set,
)

DAY = date(2024, 9, 1)


@pytest.fixture
def rules():
    return default_rule_book("SKR03").for_marketplace("amazon.de")


@pytest.mark.parametrize(
    ("key", "account", "tax_key"),
    [
        (("Order", "ItemPrice", "Principal"), "10000", ""),
        (("Refund", "Promotion", "Shipping"), "10000", ""),
        (("Chargeback Refund", "ItemPrice", "Tax"), "10000", ""),
        (("Order", "ItemFees", "Commission"), "4760", "9"),
        (("Order", "ItemFees", "FBAPerUnitFulfillmentFee"), "4780", "9"),
        (("ServiceFee", "ItemFees", "Cost of Advertising"), "4600", "9"),
        (("Cost of Advertising", "TransactionTotalAmount", "x"), "4600", "9"),
        (("other-transaction", "other-transaction", "Storage Fee"), "4780", "9"),
        (("other-transaction", "other-transaction", "Subscription Fee"), "4760", "9"),
        (("ServiceFee", "other-transaction", "Subscription Fee"), "4760", "9"),
        (("other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_LOST"), "2742", ""),
        (("other-transaction", "other-transaction", "Current Reserve Amount"), "1500", ""),
        (("ORDER", "itemprice", "principal"), "10000", ""),  # case does not matter
    ],
)
def test_default_payout_rules(rules, key, account, tax_key):
    rule = rules.match_payout(*key, DAY)
    assert (rule.account, rule.tax_key) == (account, tax_key)


def test_unknown_combinations_match_nothing(rules):
    assert rules.match_payout("Transfer", "Unknown", "Something new", DAY) is None


def test_the_fee_tax_key_changes_on_1_august_2024(rules):
    assert rules.match_payout("Order", "ItemFees", "Commission", date(2024, 7, 31)).tax_key == "94"
    assert rules.match_payout("Order", "ItemFees", "Commission", date(2024, 8, 1)).tax_key == "9"


def test_a_more_specific_rule_wins_regardless_of_order():
    generic = PayoutRule("*", "ItemFees", "*", "4760")
    specific = PayoutRule("Order", "ItemFees", "Commission", "4761")
    question = PayoutRule("Order", "ItemFees", "Comm?ssion", "4762")
    base = default_rule_set("SKR03")
    rule_set = replace(base, payout_rules=(generic, question, specific))
    assert rule_set.match_payout("Order", "ItemFees", "Commission", DAY) is specific
    assert rule_set.match_payout("Order", "ItemFees", "Comm1ssion", DAY) is question
    assert rule_set.match_payout("Refund", "ItemFees", "Commission", DAY) is generic


def test_order_rules_prefer_a_country_rule_to_the_wildcard():
    base = default_rule_set("SKR03")

    rule_set = replace(
        base, order_rules=(OrderRule("EU_LOCAL", "8320"), OrderRule("EU_LOCAL", "8321", "PL"))
    )
    assert rule_set.match_order("EU_LOCAL", "PL", DAY).account == "8321"
    assert rule_set.match_order("EU_LOCAL", "CZ", DAY).account == "8320"
    assert rule_set.match_order("UNKNOWN", "", DAY) is None


def test_a_marketplace_set_takes_precedence_over_the_default_set():
    fr = default_rule_set("SKR03", "amazon.fr")
    book = RuleBook((default_rule_set("SKR03"), fr))
    assert book.for_marketplace("Amazon.FR") is fr
    assert book.for_marketplace("amazon.it").marketplace == "*"
    with pytest.raises(RulesMissing):
        RuleBook((fr,)).for_marketplace("amazon.de")


def test_skr04_defaults(rules):
    skr04 = default_rule_book("SKR04").for_marketplace(None)
    assert skr04.clearing_account == "1810" and skr04.transit_account == "1460"
    assert skr04.match_payout("Order", "ItemFees", "Commission", DAY).account == "6770"
    assert skr04.match_payout("Order", "ItemPrice", "Principal", DAY).kind == DEBTOR


def test_default_accounts_follow_the_sachkontenlaenge():
    rules = default_rule_book("SKR03", account_length=6).for_marketplace(None)
    assert (rules.clearing_account, rules.debtor_account) == ("121000", "1000000")
    assert rules.match_payout("Order", "ItemFees", "Commission", DAY).account == "476000"
    assert rules.match_order("DE_19", "DE", DAY).account == "840000"


@pytest.mark.parametrize("marketplace", ["Amazon.ca", "amazon.com", "Amazon.co.jp"])
def test_fees_of_a_store_outside_europe_stay_reverse_charge_after_august_2024(marketplace):
    # Amazon.com/.ca/... invoice without German VAT: BU 9 would claim input tax never charged.
    rules = default_rule_book("SKR03").for_marketplace(marketplace)
    for key in (
        ("Order", "ItemFees", "Commission"),
        ("Order", "ItemFees", "FBAPerUnitFulfillmentFee"),
        ("ServiceFee", "ItemFees", "Cost of Advertising"),
    ):
        for day in (date(2024, 7, 31), date(2025, 8, 20)):
            assert rules.match_payout(*key, day).tax_key == "94", (key, day)


def test_fees_of_the_european_stores_change_to_bu_9():
    for marketplace in ("Amazon.de", "Amazon.co.uk", "Amazon.fr", None):
        rules = default_rule_book("SKR03").for_marketplace(marketplace)
        fee = rules.match_payout("Order", "ItemFees", "Commission", date(2024, 8, 1))
        assert fee.tax_key == "9", marketplace


def test_sales_of_a_store_outside_europe_are_revenue_not_an_open_item():
    # No VAT report (no Order batch) covers Amazon.ca: an ItemPrice on the Sammeldebitor would
    # clear an item nobody opened and the revenue would never be booked.
    ca = default_rule_book("SKR03").for_marketplace("Amazon.ca")
    for key in (("Order", "ItemPrice", "Principal"), ("Refund", "ItemPrice", "Principal"),
                ("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal")):  # fmt: skip
        assert ca.match_payout(*key, DAY).account == "8338", key
    de = default_rule_book("SKR03").for_marketplace("Amazon.de")
    assert de.match_payout("Order", "ItemPrice", "Principal", DAY).account == "10000"


def test_rule_kinds_are_a_closed_set_with_their_stored_values():
    # The values are in the database: renaming one would orphan every stored rule.
    assert [k.value for k in RuleKind] == [
        "debtor", "fee", "reserve", "other", "revenue", "payout", "unmatched", "fx_difference",
    ]  # fmt: skip
    assert PayoutRule("*", "*", "x", "4780", kind="fee").kind is RuleKind.FEE
    with pytest.raises(ValueError):
        PayoutRule("*", "*", "x", "4780", kind="gebuehr")


ADS = ("Cost of Advertising", "TransactionTotalAmount", "Cost of Advertising")


@pytest.mark.parametrize("chart", ["SKR03", "SKR04"])
def test_no_default_rule_books_a_reserve_on_1385_1596_or_foreign_ads_with_bu_9(chart):
    book = default_rule_book(chart)
    assert {s.marketplace for s in book.rule_sets} >= {"*", "Amazon.de", "Amazon.co.uk"}
    for rule_set in book.rule_sets:
        for rule in rule_set.payout_rules:
            if rule.kind == RuleKind.RESERVE:
                assert rule.account not in ("1385", "1596"), rule
            if "Cost of Advertising" in rule.pattern and rule.tax_key == "9":
                assert rule_set.marketplace == "Amazon.de", rule
                assert rule.valid_from == date(2018, 10, 1), rule
        for at in ADS:
            for day in (date(2018, 9, 30), date(2024, 8, 1), date(2026, 1, 1)):
                rule = rule_set.match_payout("ServiceFee", at, "Cost of Advertising", day)
                german = rule_set.marketplace == "Amazon.de" and day >= date(2018, 10, 1)
                assert (rule.tax_key == "9") is german, (rule_set.marketplace, day)
                assert bool(rule.sachverhalt) is not german, (rule_set.marketplace, day)


@pytest.mark.parametrize(("country", "small_business"), [("DE", True), ("AT", False)])
def test_no_input_vat_key_for_a_kleinunternehmer_or_a_seller_established_abroad(
    country, small_business
):
    book = default_rule_book("SKR03", country=country, small_business=small_business)
    for rule_set in book.rule_sets:
        for rule in rule_set.payout_rules:
            if small_business:
                assert rule.tax_key in ("", "95"), rule
            else:
                assert rule.tax_key != "9", rule
            assert rule.tax_key != "94" or rule.sachverhalt, rule  # a § 13b case names it


@pytest.mark.parametrize(("chart", "common"), [("SKR03", 1210), ("SKR04", 1810)])
def test_one_clearing_account_per_marketplace_is_a_stable_numbering(chart, common):
    book = default_rule_book(chart, clearing_per_marketplace=True)
    accounts = {s.marketplace: s.clearing_account for s in book.rule_sets}
    assert accounts["*"] == str(common)
    assert accounts["Amazon.de"] == str(common + 1)
    assert accounts["Amazon.fr"] == str(common + 2)
    assert accounts["Amazon.co.uk"] == str(common + 5)
    assert accounts["Amazon.ca"] == str(common + 12)
    assert accounts["Amazon.com.tr"] == str(common + 22)
    assert len(set(accounts.values())) == len(accounts)  # every store its own account
    assert {s.clearing_account for s in default_rule_book(chart).rule_sets} == {str(common)}
    wider = default_rule_book(chart, 5, clearing_per_marketplace=True)
    assert wider.for_marketplace("amazon.fr").clearing_account == f"{common + 2}0"


def test_a_fulfillment_condition_makes_a_rule_more_specific():
    anyone = PayoutRule("Order", "ItemPrice", "Principal", "8338")
    mfn = PayoutRule("Order", "ItemPrice", "Principal", "8120", fulfillment="MFN")
    rule_set = replace(default_rule_set("SKR03"), payout_rules=(anyone, mfn))
    assert rule_set.match_payout("Order", "ItemPrice", "Principal", DAY, "mfn") is mfn
    assert rule_set.match_payout("Order", "ItemPrice", "Principal", DAY, "AFN") is anyone
    assert rule_set.match_payout("Order", "ItemPrice", "Principal", DAY) is anyone
