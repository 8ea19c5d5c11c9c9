"""Per-order exchange residue: a GBP order booked by the Order batch at the rate of its day is
cleared by the settlement at that same rate, so the Sammeldebitor is 0.00 in EUR too and the
whole rate difference lands on the clearing account's Kursdifferenz (2660/2150)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from datev_builders import line, settlement, vat_row

from datev.bookings import BatchTotals
from datev.currency import EcbRates
from datev.extf_validator import validate_file
from datev.extf_writer import write_batch
from datev.granularity import Granularity
from datev.order_bookings import vat_report_bookings
from datev.payout_bookings import settlement_bookings
from datev.rules import default_rule_book
from datev.settings import BatchSettings

BOOK = default_rule_book("SKR03")
RATES = EcbRates()
ORDER = "205-1234567-7654321"
SOLD = date(2024, 9, 6)  # ECB GBP 0.842930; the settlement's day 20.09.2024 has 0.839100
# A GBP export from Germany, as the VAT report writes it, and the settlement that pays it:
# Principal and Promotion rounded one by one would be a cent off the order's EUR amount.
SALE = vat_row(2, "SALE", ORDER, SOLD, "42.37", rate="0.0", arrival="GB", jurisdiction="",
               export=True, currency="GBP", marketplace="amazon.co.uk")  # fmt: skip
PAID = [
    line(2, "Order", "ItemPrice", "Principal", "50.14", "2024-09-20", ORDER, "Amazon.co.uk"),
    line(3, "Order", "ItemFees", "Commission", "-6.36", "2024-09-20", ORDER, "Amazon.co.uk"),
    line(4, "Order", "Promotion", "Principal", "-7.77", "2024-09-20", ORDER, "Amazon.co.uk"),
]


def _order_batch():
    return list(vat_report_bookings([SALE], BOOK, rates=RATES))


def _payout_batch(**kwargs):
    summary, lines = settlement(PAID, currency="GBP", start="2024-09-15", end="2024-09-28",
                                deposit="2024-10-01")  # fmt: skip
    rules = BOOK.for_marketplace("Amazon.co.uk")
    return list(settlement_bookings(summary, lines, rules, rates=RATES, **kwargs))


def _eur_balances(*batches) -> dict[str, Decimal]:
    totals = BatchTotals()
    for batch in batches:
        list(totals.count(batch))
    return totals.balances


def test_the_sammeldebitor_is_cleared_in_eur_at_the_rate_of_the_orders_day(tmp_path):
    order_batch = _order_batch()
    assert [(b.account, b.contra_account, b.amount, b.currency) for b in order_batch] == [
        ("10000", "8120", Decimal("42.37"), "GBP"),
    ]
    payout = _payout_batch(order_days={ORDER: SOLD})
    balances = _eur_balances(order_batch, payout)
    assert balances["10000"] == 0  # cleared in GBP and in EUR
    assert balances["1210"] == 0  # the settlement's clearing account is back at 0.00 EUR
    debtor = [b for b in payout if b.contra_account == "10000"]
    assert {b.rate for b in debtor} == {Decimal("0.842930")}  # the order's day, not 20.09.
    fees = [b for b in payout if b.kind == "fee"]
    assert {b.rate for b in fees} == {Decimal("0.839100")}  # everything else: its own day
    (fx,) = [b for b in payout if b.kind == "fx_difference"]
    assert fx.contra_account in ("2660", "2150") and fx.currency == "EUR"
    settings = BatchSettings(berater=1001, mandant=1)
    for batch, name in ((order_batch, "Order"), (payout, "Payout")):
        for written in write_batch(batch, settings, tmp_path, name=name, title=name):
            assert validate_file(written.path).ok


def test_without_the_order_days_the_eur_residue_stays_on_the_sammeldebitor():
    balances = _eur_balances(_order_batch(), _payout_batch())
    assert balances["10000"] != 0  # as before: the two days' rates differ
    assert balances["1210"] == 0


def test_a_daily_summary_and_a_refund_keep_the_rate_of_their_own_day():
    summary_batch = _payout_batch(order_days={ORDER: SOLD}, granularity=Granularity.DAILY_SUMMARY)
    assert {b.rate for b in summary_batch if b.rate} == {Decimal("0.839100"), Decimal("0.831930")}
    refund = line(5, "Refund", "ItemPrice", "Principal", "-10.00", "2024-09-20", ORDER)
    summary, lines = settlement([refund], currency="GBP", deposit="2024-10-01")
    rules = BOOK.for_marketplace("Amazon.co.uk")
    (booking, *_) = settlement_bookings(summary, lines, rules, rates=RATES,
                                         order_days={ORDER: SOLD})  # fmt: skip
    assert booking.rate == Decimal("0.839100")
