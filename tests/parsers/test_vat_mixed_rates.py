"""Mixed VAT rates in one VAT report row (review F12): items, shipping and gift wrap are booked at
their own rates. The rows are the real 2020-02 sample's header and a SALE row of it with the
component columns changed (the sample has no mixed row)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from amazon_builders import vat_rows, write

from datev.bookings import BatchTotals
from datev.order_bookings import vat_report_bookings
from datev.rules import default_rule_book
from parsers import ReportError, read_report
from parsers.records import RatePart

BOOK = default_rule_book("SKR03")
# A book at 7 %, shipping at 19 %: 10.70 + 5.95
BOOK_AND_SHIPPING = {
    "PRICE_OF_ITEMS_VAT_RATE_PERCENT": "0.07",
    "TOTAL_PRICE_OF_ITEMS_AMT_VAT_EXCL": "10.00",
    "TOTAL_PRICE_OF_ITEMS_VAT_AMT": "0.70",
    "TOTAL_PRICE_OF_ITEMS_AMT_VAT_INCL": "10.70",
    "SHIP_CHARGE_VAT_RATE_PERCENT": "0.19",
    "TOTAL_SHIP_CHARGE_AMT_VAT_EXCL": "5.00",
    "TOTAL_SHIP_CHARGE_VAT_AMT": "0.95",
    "TOTAL_SHIP_CHARGE_AMT_VAT_INCL": "5.95",
    "GIFT_WRAP_VAT_RATE_PERCENT": "",
    "TOTAL_GIFT_WRAP_AMT_VAT_EXCL": "0.00",
    "TOTAL_GIFT_WRAP_VAT_AMT": "0.00",
    "TOTAL_GIFT_WRAP_AMT_VAT_INCL": "0.00",
    "TOTAL_ACTIVITY_VALUE_AMT_VAT_EXCL": "15.00",
    "TOTAL_ACTIVITY_VALUE_VAT_AMT": "1.65",
    "TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL": "16.65",
    "TAXABLE_JURISDICTION": "GERMANY",
    "SALE_DEPART_COUNTRY": "DE",
    "SALE_ARRIVAL_COUNTRY": "DE",
    "BUYER_VAT_NUMBER": "",
}


def _report(tmp_path, *changes: dict[str, str], refund: bool = False):
    """The sample's header and one German SALE row per change."""
    header, *rows = vat_rows()
    template = next(r for r in rows if r[4] == "SALE" and r[67] == "DE")
    out = [header]
    for change in changes:
        row = list(template)
        for column, value in change.items():
            row[header.index(column)] = value
        if refund:
            row[header.index("TRANSACTION_TYPE")] = "REFUND"
        out.append(row)
    text = "".join("\t".join(r) + "\r\n" for r in out)
    return read_report(write(tmp_path, "vat.txt", text))


def _negated(change: dict[str, str]) -> dict[str, str]:
    return {
        k: f"-{v}" if "AMT" in k and v.replace(".", "").isdigit() and Decimal(v) else v
        for k, v in change.items()
    }


def test_shipping_at_another_rate_than_the_items_makes_a_part_per_rate(tmp_path):
    (tx,) = _report(tmp_path, BOOK_AND_SHIPPING).rows()
    assert tx.rate_parts == (
        RatePart(Decimal("0.07"), Decimal("10.00"), Decimal("0.70"), Decimal("10.70")),
        RatePart(Decimal("0.19"), Decimal("5.00"), Decimal("0.95"), Decimal("5.95")),
    )


def test_each_rate_is_booked_on_its_own_account_and_the_debtor_holds_the_total(tmp_path):
    rows = list(_report(tmp_path, BOOK_AND_SHIPPING).rows())
    bookings = list(vat_report_bookings(rows, BOOK, totals=BatchTotals()))
    assert [(b.amount, b.side, b.contra_account, b.document_no) for b in bookings] == [
        (Decimal("10.70"), "S", "8300", rows[0].transaction_event_id),
        (Decimal("5.95"), "S", "8400", rows[0].transaction_event_id),
    ]


def test_a_refund_of_a_mixed_row_is_booked_per_rate_on_the_other_side(tmp_path):
    rows = list(_report(tmp_path, _negated(BOOK_AND_SHIPPING), refund=True).rows())
    bookings = list(vat_report_bookings(rows, BOOK, totals=BatchTotals()))
    assert [(b.amount, b.side, b.contra_account) for b in bookings] == [
        (Decimal("10.70"), "H", "8300"),
        (Decimal("5.95"), "H", "8400"),
    ]


def test_gift_wrap_at_the_shipping_rate_joins_the_shipping_part(tmp_path):
    change = BOOK_AND_SHIPPING | {
        "GIFT_WRAP_VAT_RATE_PERCENT": "0.19",
        "TOTAL_GIFT_WRAP_AMT_VAT_EXCL": "2.00",
        "TOTAL_GIFT_WRAP_VAT_AMT": "0.38",
        "TOTAL_GIFT_WRAP_AMT_VAT_INCL": "2.38",
        "TOTAL_ACTIVITY_VALUE_AMT_VAT_EXCL": "17.00",
        "TOTAL_ACTIVITY_VALUE_VAT_AMT": "2.03",
        "TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL": "19.03",
    }
    (tx,) = _report(tmp_path, change).rows()
    assert [(p.rate, p.vat_incl) for p in tx.rate_parts] == [
        (Decimal("0.07"), Decimal("10.70")),
        (Decimal("0.19"), Decimal("8.33")),
    ]


def test_oss_parts_carry_their_own_rate_in_41(tmp_path):
    # a French book at 5.5 %, its shipping at 20 %, declared in the OSS
    change = BOOK_AND_SHIPPING | {
        "PRICE_OF_ITEMS_VAT_RATE_PERCENT": "0.055",
        "TOTAL_PRICE_OF_ITEMS_VAT_AMT": "0.55",
        "TOTAL_PRICE_OF_ITEMS_AMT_VAT_INCL": "10.55",
        "SHIP_CHARGE_VAT_RATE_PERCENT": "0.2",
        "TOTAL_SHIP_CHARGE_VAT_AMT": "1.00",
        "TOTAL_SHIP_CHARGE_AMT_VAT_INCL": "6.00",
        "TOTAL_ACTIVITY_VALUE_VAT_AMT": "1.55",
        "TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL": "16.55",
        "TAXABLE_JURISDICTION": "FRANCE",
        "SALE_ARRIVAL_COUNTRY": "FR",
    }
    rows = [r._replace(tax_reporting_scheme="UNION-OSS") for r in _report(tmp_path, change).rows()]
    bookings = list(vat_report_bookings(rows, BOOK, totals=BatchTotals()))
    assert [(b.amount, b.contra_account, b.tax_key, b.eu_country_vat_id, b.eu_tax_rate)
            for b in bookings] == [
        (Decimal("10.55"), "8320", "240", "FR", Decimal("5.50")),
        (Decimal("6.00"), "8320", "240", "FR", Decimal("20.00")),
    ]  # fmt: skip


@pytest.mark.parametrize("text", ["", "0.07", "0.070", "7"])
def test_shipping_at_the_items_rate_or_without_a_rate_is_not_split(tmp_path, text):
    (tx,) = _report(tmp_path, BOOK_AND_SHIPPING | {"SHIP_CHARGE_VAT_RATE_PERCENT": text}).rows()
    assert tx.rate_parts == ()


def test_the_parts_always_add_up_to_the_rows_totals(tmp_path):
    # Should the items' own columns disagree, the items' part is what is left of the totals:
    # the debtor then carries exactly what the settlement clears.
    change = BOOK_AND_SHIPPING | {"TOTAL_PRICE_OF_ITEMS_AMT_VAT_INCL": "10.69"}
    (tx,) = _report(tmp_path, change).rows()
    assert sum(p.vat_incl for p in tx.rate_parts) == tx.total_vat_incl == Decimal("16.65")
    assert sum(p.vat_excl for p in tx.rate_parts) == tx.total_vat_excl


@pytest.mark.parametrize(
    ("column", "text"),
    [
        ("SHIP_CHARGE_VAT_RATE_PERCENT", "neunzehn"),
        ("TOTAL_SHIP_CHARGE_AMT_VAT_INCL", "5.9.5"),
        ("TOTAL_SHIP_CHARGE_VAT_AMT", "x"),
    ],
)
def test_a_bad_component_cell_is_refused_when_the_file_is_read(tmp_path, column, text):
    # checked in the validating pass, so that building the batch later cannot fail on it
    with pytest.raises(ReportError) as error:
        _report(tmp_path, BOOK_AND_SHIPPING | {column: text})
    assert error.value.column == column
