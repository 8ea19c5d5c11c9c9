"""Every default order rule, by a real-looking VAT report row: the account, key and EU fields
each treatment books (DESIGN.md §4, the tax advisor's review F2, F3, F4), in both charts.

A row that is not taxable in Germany or taxable abroad is booked net; the VAT the seller owes
abroad goes to its own account against the Sammeldebitor, so the debtor still carries the gross
amount the settlement clears. Where Amazon collects the VAT, the debtor carries the net amount
(the settlement pays ItemPrice + ItemWithheldTax).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from datev_builders import vat_row

from datev.bookings import BatchTotals
from datev.export import export_vat_report
from datev.extf_validator import validate_file
from datev.order_bookings import vat_report_bookings
from datev.rules import OrderRule, RuleBook, default_order_rules, default_rule_book
from datev.settings import BatchSettings
from datev.tax_treatment import TaxTreatment, derive_treatment, vat_rule_name

DAY = date(2025, 4, 14)
ORDER = "302-4711000-1234567"

# (row, [(amount, side, SKR03 Gegenkonto, SKR04 Gegenkonto, BU, #40, #41, #123)])
CASES = {
    "DE_19": (
        vat_row(2, order_id=ORDER, day=DAY, gross="119.00", net="100.00"),
        [("119.00", "S", "8400", "4400", "", "", None, "")],
    ),
    "DE_7": (
        vat_row(2, order_id=ORDER, day=DAY, gross="10.70", net="10.00", rate="0.07"),
        [("10.70", "S", "8300", "4300", "", "", None, "")],
    ),
    # PL -> DE from the Polish warehouse: German VAT (automatic 8315), #123 the origin
    "DE_19_EU": (
        vat_row(2, order_id=ORDER, day=DAY, gross="29.90", net="25.13", depart="PL",
                seller_vat="PL5263266229"),
        [("29.90", "S", "8315", "4315", "", "", None, "PL5263266229")],
    ),
    "DE_7_EU": (
        vat_row(2, order_id=ORDER, day=DAY, gross="10.70", net="10.00", rate="0.07",
                depart="CZ", seller_vat="CZ684123456"),
        [("10.70", "S", "8310", "4310", "", "", None, "CZ684123456")],
    ),
    # A tablet to a German business: the buyer owes the VAT (§ 13b Abs. 2 Nr. 10 UStG)
    "DE_REVERSE_CHARGE": (
        vat_row(2, order_id=ORDER, day=DAY, gross="5200.00", rate="0.0",
                buyer_vat="DE811234567"),
        [("5200.00", "S", "8335", "4335", "", "", None, "")],
    ),
    "OSS_FROM_DE": (
        vat_row(2, order_id=ORDER, day=DAY, gross="121.00", net="100.00", rate="0.21",
                arrival="NL", jurisdiction="NETHERLANDS", scheme="UNION-OSS"),
        [("121.00", "S", "8320", "4320", "240", "NL", Decimal("21.00"), "")],
    ),
    "OSS_FROM_EU": (
        vat_row(2, order_id=ORDER, day=DAY, gross="122.00", net="100.00", rate="0.22",
                depart="PL", arrival="IT", jurisdiction="ITALY", scheme="UNION-OSS",
                seller_vat="PL5263266229"),
        [("122.00", "S", "8320", "4320", "241", "IT", Decimal("22.00"), "PL5263266229")],
    ),
    # Amazon Business from the German warehouse: igL, Kz 41 and ZM with the buyer's VAT id
    "IC_SUPPLY": (
        vat_row(2, order_id=ORDER, day=DAY, gross="100.00", rate="0.0", arrival="AT",
                jurisdiction="", buyer_vat="ATU12345678"),
        [("100.00", "S", "8125", "4125", "", "ATU12345678", None, "")],
    ),
    # The same from the Polish warehouse: a Polish WDT under the seller's PL VAT id (#123),
    # outside the German UStVA and ZM
    "IC_SUPPLY_FOREIGN": (
        vat_row(2, order_id=ORDER, day=DAY, gross="49.58", rate="0.0", depart="PL",
                arrival="AT", jurisdiction="", buyer_vat="ATU58004634",
                seller_vat="PL5263266229"),
        [("49.58", "S", "8126", "4126", "", "ATU58004634", None, "PL5263266229")],
    ),
    # DE -> CH: the goods leave Germany, Ausfuhr (Kz 43)
    "EXPORT": (
        vat_row(2, order_id=ORDER, day=DAY, gross="50.00", rate="0.0", arrival="CH",
                jurisdiction="", export=True),
        [("50.00", "S", "8120", "4120", "", "", None, "")],
    ),
    # PL -> CH: a Polish export, not taxable in Germany (Kz 45)
    "EXPORT_FROM_EU": (
        vat_row(2, order_id=ORDER, day=DAY, gross="50.00", rate="0.0", depart="PL",
                arrival="CH", jurisdiction="", export=True, seller_vat="PL5263266229"),
        [("50.00", "S", "8338", "4338", "", "", None, "PL5263266229")],
    ),
    # GB -> GB, Amazon the deemed supplier (UK VOEC domestic): net, Amazon keeps the VAT
    "THIRD_COUNTRY": (
        vat_row(2, order_id="204-1111111-2222222", day=DAY, gross="61.07", net="50.89",
                rate="0.20", depart="GB", arrival="GB", jurisdiction="UNITED KINGDOM",
                scheme="UK_VOEC-DOMESTIC", responsibility="MARKETPLACE", currency="GBP",
                marketplace="amazon.co.uk", seller_vat="GB123456789"),
        [("50.89", "S", "8338", "4338", "", "", None, "")],
    ),
    # PL -> PL from the Polish warehouse: net on 8320, the 23 % Polish VAT on 1767
    "EU_LOCAL": (
        vat_row(2, order_id=ORDER, day=DAY, gross="123.00", net="100.00", rate="0.23",
                depart="PL", arrival="PL", jurisdiction="POLAND", currency="PLN",
                marketplace="amazon.pl", seller_vat="PL5263266229"),
        [("100.00", "S", "8320", "4320", "", "PL", Decimal("23.00"), "PL5263266229"),
         ("23.00", "S", "1767", "3817", "", "", None, "")],
    ),
}  # fmt: skip
# Cases that are not a treatment of their own: seller-collected UK and CH VAT.
SELLER_COLLECTED = {
    "GB": (
        vat_row(2, order_id="204-3333333-4444444", day=DAY, gross="120.00", net="100.00",
                rate="0.20", depart="GB", arrival="GB", jurisdiction="UNITED KINGDOM",
                currency="GBP", marketplace="amazon.co.uk", seller_vat="GB123456789"),
        [("100.00", "S", "8338", "4338"), ("20.00", "S", "1754", "3854")],
    ),
    "CH": (
        vat_row(2, order_id="302-5555555-6666666", day=DAY, gross="108.10", net="100.00",
                rate="0.081", depart="CH", arrival="CH", jurisdiction="SWITZERLAND",
                currency="CHF", marketplace="amazon.de", seller_vat="CHE123456789"),
        [("100.00", "S", "8338", "4338"), ("8.10", "S", "1754", "3854")],
    ),
}  # fmt: skip
SETTINGS = BatchSettings(berater=1001, mandant=42)


def _book(rows, chart="SKR03", book=None):
    totals = BatchTotals()
    bookings = list(vat_report_bookings(rows, book or default_rule_book(chart), totals=totals))
    return bookings, totals


def _debtor(bookings) -> Decimal:
    return sum((b.signed_amount for b in bookings if b.account == "10000"), Decimal(0))


def test_every_default_rule_has_a_case_here():
    treatments = {r.treatment for r in default_order_rules("SKR03")}
    cases = set(CASES) | {vat_rule_name(t) for t in CASES}
    assert treatments <= cases
    assert set(CASES) == {str(t) for t in TaxTreatment} - {"UNKNOWN", "MARKETPLACE_COLLECTED"}


@pytest.mark.parametrize("chart", ["SKR03", "SKR04"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_sale_of_each_treatment_books_on_its_account_and_key(name, chart):
    row, expected = CASES[name]
    assert derive_treatment(row).name == name
    bookings, totals = _book([row], chart)
    column = 2 if chart == "SKR03" else 3
    assert [
        (str(b.amount), b.side, b.contra_account, b.tax_key, b.eu_country_vat_id, b.eu_tax_rate,
         b.origin_vat_id)
        for b in bookings
    ] == [(e[0], e[1], e[column], *e[4:]) for e in expected]  # fmt: skip
    assert {(b.account, b.document_no, b.currency) for b in bookings} == {
        ("10000", row.transaction_event_id, row.currency)
    }
    assert not totals.needs_rules


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_refund_of_each_treatment_books_the_same_accounts_on_the_other_side(name):
    row, _ = CASES[name]
    refund = row._replace(
        transaction_type="REFUND",
        total_vat_excl=-row.total_vat_excl,
        total_vat=-row.total_vat,
        total_vat_incl=-row.total_vat_incl,
    )
    sales, _ = _book([row])
    refunds, _ = _book([refund])
    assert [(b.contra_account, b.amount, b.side) for b in refunds] == [
        (b.contra_account, b.amount, "H") for b in sales
    ]
    assert _debtor(sales) + _debtor(refunds) == 0


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_debtor_carries_what_the_settlement_clears(name):
    # gross where the seller collects the VAT, net where Amazon withholds it
    row, _ = CASES[name]
    bookings, _ = _book([row])
    marketplace = row.tax_collection_responsibility == "MARKETPLACE"
    assert _debtor(bookings) == (row.total_vat_excl if marketplace else row.total_vat_incl)


@pytest.mark.parametrize("chart", ["SKR03", "SKR04"])
@pytest.mark.parametrize("country", sorted(SELLER_COLLECTED))
def test_uk_and_swiss_vat_the_seller_collects_is_a_liability_never_revenue(country, chart):
    row, expected = SELLER_COLLECTED[country]
    bookings, totals = _book([row], chart)
    column = 2 if chart == "SKR03" else 3
    assert [(str(b.amount), b.side, b.contra_account, b.tax_key) for b in bookings] == [
        (e[0], e[1], e[column], "") for e in expected
    ]
    assert _debtor(bookings) == row.total_vat_incl
    assert bookings[1].rule.startswith("USt Drittland, vom Steuerberater zu prüfen")
    assert not totals.needs_rules


def test_uk_vat_the_marketplace_collects_on_an_export_from_germany_is_left_out():
    # UK_VOEC-IMPORT (<= 135 GBP) from the German warehouse: an Ausfuhr, booked net
    row = vat_row(
        2, day=DAY, gross="60.00", net="50.00", rate="0.20", arrival="GB",
        jurisdiction="UNITED KINGDOM", scheme="UK_VOEC-IMPORT", export=True,
        responsibility="MARKETPLACE", currency="GBP", marketplace="amazon.co.uk",
    )  # fmt: skip
    bookings, _ = _book([row])
    assert [(b.amount, b.contra_account, b.tax_key) for b in bookings] == [
        (Decimal("50.00"), "8120", "")
    ]


def test_ioss_sales_from_the_uk_warehouse_are_not_taxable_in_germany():
    row = vat_row(
        2, day=DAY, gross="35.70", net="30.00", rate="0.19", depart="GB", arrival="DE",
        jurisdiction="GERMANY", scheme="DEEMED_RESELLER-IOSS", responsibility="MARKETPLACE",
    )  # fmt: skip
    bookings, _ = _book([row])
    assert [(b.amount, b.contra_account) for b in bookings] == [(Decimal("30.00"), "8338")]


def test_the_advisor_can_book_foreign_vat_gross_with_bu_10_instead(tmp_path):
    # DATEV's other way for sales taxable abroad: gross with BU 10, #40 country, #41 rate
    book = default_rule_book("SKR03")
    base = book.for_marketplace(None)
    rules = tuple(
        replace(r, net=False, tax_key="10") if r.treatment == "EU_LOCAL" else r
        for r in base.order_rules
        if r.treatment != vat_rule_name(TaxTreatment.EU_LOCAL)
    )
    advisor = RuleBook((replace(base, order_rules=rules),))
    row, _ = CASES["EU_LOCAL"]
    bookings, totals = _book([row], book=advisor)
    assert [
        (b.amount, b.contra_account, b.tax_key, b.eu_country_vat_id, b.eu_tax_rate)
        for b in bookings
    ] == [(Decimal("123.00"), "8320", "10", "PL", Decimal("23.00"))]
    assert not totals.needs_rules


def test_foreign_vat_without_a_rule_for_it_stays_visible_on_the_klaerungskonto():
    base = default_rule_book("SKR03").for_marketplace(None)
    rules = tuple(r for r in base.order_rules if r.treatment != "EU_LOCAL_VAT")
    row, _ = CASES["EU_LOCAL"]
    bookings, totals = _book([row], book=RuleBook((replace(base, order_rules=rules),)))
    assert [(b.amount, b.contra_account, b.needs_rule) for b in bookings] == [
        (Decimal("100.00"), "8320", False),
        (Decimal("23.00"), "1590", True),
    ]
    assert totals.unmatched_keys == {("EU_LOCAL_VAT", "PL")}
    assert _debtor(bookings) == Decimal("123.00")


def test_a_country_rule_can_give_the_vat_of_one_country_its_own_account():
    base = default_rule_book("SKR03").for_marketplace(None)
    own = OrderRule("EU_LOCAL_VAT", "1768", country="PL", label="USt Polen")
    advisor = RuleBook((replace(base, order_rules=(own, *base.order_rules)),))
    row, _ = CASES["EU_LOCAL"]
    assert [b.contra_account for b in _book([row], book=advisor)[0]] == ["8320", "1768"]


def test_marketplace_collected_vat_of_a_german_sale_goes_to_the_klaerungskonto():
    # A German seller is no deemed-supplier case: the advisor decides, the batch says so
    row = vat_row(2, day=DAY, gross="119.00", net="100.00", responsibility="MARKETPLACE")
    bookings, totals = _book([row])
    assert [(b.amount, b.contra_account, b.needs_rule) for b in bookings] == [
        (Decimal("100.00"), "1590", True)
    ]
    assert totals.unmatched_keys == {("MARKETPLACE_COLLECTED", "DE")}


@pytest.mark.parametrize("chart", ["SKR03", "SKR04"])
def test_every_treatment_in_one_batch_writes_a_valid_file(tmp_path, chart):
    rows = [row._replace(line_no=i) for i, (row, _) in enumerate(CASES.values(), start=2)]
    rows += [row._replace(line_no=20 + i) for i, (row, _) in enumerate(SELLER_COLLECTED.values())]
    settings = BatchSettings(berater=1001, mandant=42, chart=chart)
    result = export_vat_report(rows, default_rule_book(chart), settings, tmp_path, name="all")
    assert all(validate_file(f.path).ok for f in result.files)
    assert not result.needs_rules


def test_an_order_of_two_items_taxed_abroad_books_net_and_vat_once_each():
    # one row per item, as Amazon reports them; one booking per order and rule
    row, _ = CASES["EU_LOCAL"]
    bookings, _ = _book([row, row._replace(line_no=3, activity_transaction_id="act-3")])
    assert [(b.amount, b.contra_account) for b in bookings] == [
        (Decimal("200.00"), "8320"),
        (Decimal("46.00"), "1767"),
    ]
