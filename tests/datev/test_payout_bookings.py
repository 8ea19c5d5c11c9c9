"""Settlement bookings beyond the golden file: refusals, granularity, foreign currency."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from datev_builders import line, settlement, summary

from datev.bookings import BatchTotals, BookingError
from datev.currency import EcbRates, RateError
from datev.granularity import Granularity
from datev.payout_bookings import settlement_bookings
from datev.rules import PayoutRule, default_rule_book

RULES = default_rule_book("SKR03").for_marketplace(None)
ORDER = "302-1234567-7654321"


def _book(summary_, lines, **kwargs):
    totals = BatchTotals()
    return list(settlement_bookings(summary_, lines, RULES, totals=totals, **kwargs)), totals


def test_a_settlement_whose_lines_do_not_add_up_is_refused():
    lines = [line(2, "Order", "ItemPrice", "Principal", "10.00", order_id=ORDER)]
    with pytest.raises(BookingError, match="weicht vom Auszahlungsbetrag"):
        _book(summary(total="10.01"), lines)


def test_a_settlement_of_zero_has_no_payout_booking():
    s, lines = settlement(
        [
            line(2, "Order", "ItemPrice", "Principal", "10.00", order_id=ORDER),
            line(3, "Order", "ItemFees", "Commission", "-10.00", order_id=ORDER),
        ]
    )
    bookings, totals = _book(s, lines)
    assert [b.kind for b in bookings] == ["debtor", "fee"]
    assert totals.balances["1210"] == 0


O1, O2, O3 = "302-0000001-0000001", "302-0000002-0000002", "302-0000003-0000003"


def test_fees_summed_per_day_account_and_key():
    s, lines = settlement(
        [
            line(2, "Order", "ItemPrice", "Principal", "10.00", "2024-09-02", O1),
            line(3, "Order", "ItemFees", "Commission", "-1.50", "2024-09-02", O1),
            line(4, "Order", "ItemPrice", "Principal", "20.00", "2024-09-02", O2),
            line(5, "Order", "ItemFees", "Commission", "-3.00", "2024-09-02", O2),
            line(6, "Order", "ItemFees", "Commission", "-2.00", "2024-09-03", O3),
        ]
    )  # fmt: skip
    bookings, totals = _book(s, lines, granularity=Granularity.FEES_PER_DAY)
    fees = [(b.date, b.contra_account, b.amount, b.side) for b in bookings if b.kind == "fee"]
    assert fees == [
        (date(2024, 9, 2), "4760", Decimal("4.50"), "H"),
        (date(2024, 9, 3), "4760", Decimal("2.00"), "H"),
    ]
    assert sum(1 for b in bookings if b.kind == "debtor") == 2  # still per order
    assert totals.balances["1210"] == 0


def test_daily_summary_sums_everything_per_day_and_rule():
    s, lines = settlement(
        [line(i, "Order", "ItemPrice", "Principal", "10.00", "2024-09-02", f"302-000000{i}-1")
         for i in range(2, 9)]
    )  # fmt: skip
    bookings, totals = _book(s, lines, granularity=Granularity.DAILY_SUMMARY)
    assert [(b.kind, b.amount) for b in bookings] == [
        ("payout", Decimal("70.00")),
        ("debtor", Decimal("70.00")),
    ]
    assert bookings[1].document_no == "12345678901"  # the settlement, not an order
    assert totals.balances["1210"] == 0


def test_a_gbp_settlement_is_booked_in_gbp_with_the_ecb_rate_and_stays_at_zero_in_eur():
    s, lines = settlement(
        [
            line(2, "Order", "ItemPrice", "Principal", "100.00", "2024-09-02", ORDER),
            line(3, "Order", "ItemFees", "Commission", "-15.33", "2024-09-06", ORDER),
        ],
        currency="GBP",
        deposit="2024-09-20",
    )
    bookings, totals = _book(s, lines, rates=EcbRates())
    principal = bookings[0]
    assert principal.currency == "GBP" and principal.rate == Decimal("0.842180")  # ECB, 02.09.2024
    assert principal.base_amount == (Decimal("100") / principal.rate).quantize(Decimal("0.01"))
    assert totals.foreign_balances[("1210", "GBP")] == 0
    assert totals.balances["1210"] == 0
    assert bookings[-1].kind == "fx_difference" and bookings[-1].currency == "EUR"


def test_a_currency_without_an_ecb_rate_is_refused_in_german():
    s, lines = settlement(
        [line(2, "Order", "ItemPrice", "Principal", "100.00", order_id=ORDER)], currency="AED"
    )
    with pytest.raises(RateError, match="AED"):
        _book(s, lines, rates=EcbRates())


def test_a_rules_sachverhalt_reaches_its_booking_and_keeps_fee_sums_apart():
    eu = PayoutRule("*", "ItemFees", "Commission", "4760", "94", "fee", sachverhalt="7")
    third = PayoutRule("*", "ItemFees", "FBA*", "4760", "94", "fee", sachverhalt="1")
    rules = replace(RULES, payout_rules=(eu, third))
    s, lines = settlement(
        [
            line(2, "Order", "ItemFees", "Commission", "-1.50", "2024-09-02", O1),
            line(3, "Order", "ItemFees", "FBAPerUnitFulfillmentFee", "-2.00", "2024-09-02", O1),
        ]
    )
    for mode in Granularity:
        bookings = list(settlement_bookings(s, lines, rules, granularity=mode))
        fees = sorted((b.sachverhalt, b.amount) for b in bookings if b.kind == "fee")
        assert fees == [("1", Decimal("2.00")), ("7", Decimal("1.50"))], mode
