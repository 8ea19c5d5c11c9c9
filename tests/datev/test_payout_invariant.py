"""Every payout batch leaves each clearing account at exactly 0.00.

Many generated settlements (hypothesis): any mix of known and unknown amount kinds, positive and
negative totals, posted dates across month and year ends, deposit in a later month, EUR and
foreign currencies, every granularity. The written files are read back with the independent
check (not the engine's own numbers) and must balance, pass the project's validator and lie in
one month each.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from datev.currency import EcbRates
from datev.export import export_settlement
from datev.extf_validator import validate_file
from datev.granularity import Granularity
from datev.rules import default_rule_book
from datev.settings import BatchSettings
from tests.datev.datev_builders import line, summary
from tests.datev.datev_extf_check import check_file

RATES = EcbRates()
KINDS = [
    ("Order", "ItemPrice", "Principal"),
    ("Order", "ItemPrice", "Tax"),
    ("Order", "ItemPrice", "Shipping"),
    ("Order", "Promotion", "Principal"),
    ("Order", "ItemWithheldTax", "MarketplaceFacilitatorVAT-Principal"),
    ("Order", "ItemFees", "Commission"),
    ("Order", "ItemFees", "FBAPerUnitFulfillmentFee"),
    ("Refund", "ItemPrice", "Principal"),
    ("Refund", "ItemFees", "RefundCommission"),
    ("Chargeback Refund", "ItemPrice", "Principal"),
    ("ServiceFee", "Cost of Advertising", "TransactionTotalAmount"),
    ("other-transaction", "other-transaction", "Storage Fee"),
    ("other-transaction", "other-transaction", "Subscription Fee"),
    ("other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE"),
    ("other-transaction", "other-transaction", "Previous Reserve Amount Balance"),
    ("other-transaction", "other-transaction", "Current Reserve Amount"),
    ("Transfer", "Unknown", "Something new"),  # no rule: Klärungskonto
]

amounts = st.decimals(min_value=Decimal("-500"), max_value=Decimal("500"), places=2)
line_specs = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        amounts,
        st.integers(0, 20),
        st.sampled_from(["302-1111111-1111111", "028-2222222-2222222", ""]),
    ),
    min_size=1,
    max_size=25,
)


def _check_settlement(specs, start: date, currency: str, granularity: Granularity, fy: str):
    lines = [
        line(i + 2, *kind, str(amount), posted=str(start + timedelta(days=offset)), order_id=oid)
        for i, (kind, amount, offset, oid) in enumerate(specs)
    ]
    total = sum((ln.amount for ln in lines), Decimal(0))
    end = start + timedelta(days=20)
    deposit = end + timedelta(days=3)
    settlement_summary = summary(
        start=str(start), end=str(end), deposit=str(deposit), total=str(total), currency=currency
    )
    month, day = (int(x) for x in fy.split("-"))
    settings_ = BatchSettings(berater=1001, mandant=1, fy_start=(month, day))
    with tempfile.TemporaryDirectory() as out:
        result = export_settlement(
            settlement_summary,
            lines,
            default_rule_book("SKR03"),
            settings_,
            Path(out),
            granularity=granularity,
            rates=RATES,
        )
        balances: dict[str, Decimal] = {}
        bookings = 0
        for written in result.files:
            assert validate_file(written.path).ok
            checked = check_file(written.path)
            assert written.period.fiscal_year_start == settings_.fiscal_year_start(
                checked["period"][0]
            )
            bookings += checked["bookings"]
            for account, value in checked["balances"].items():
                balances[account] = balances.get(account, Decimal(0)) + value
    assert bookings == result.totals.bookings
    assert balances.get("1210", Decimal(0)) == Decimal("0.00")
    assert result.totals.balances.get("1210", Decimal(0)) == 0
    for (account, _currency), value in result.totals.foreign_balances.items():
        if account == "1210":
            assert value == 0
    if total:
        assert balances["1360"] == total if currency == "EUR" else balances["1360"] != 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=line_specs,
    start=st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 12, 31)),
    currency=st.sampled_from(["EUR", "EUR", "GBP", "SEK", "PLN"]),
    granularity=st.sampled_from(list(Granularity)),
    fy=st.sampled_from(["01-01", "07-01", "10-15"]),
)
@example(  # negative settlement (Amazon debits the seller), crossing the year end
    specs=[(KINDS[5], Decimal("-80.00"), 0, "302-1111111-1111111"),
           (KINDS[0], Decimal("20.00"), 5, "302-1111111-1111111"),
           (KINDS[11], Decimal("-15.55"), 12, "")],
    start=date(2024, 12, 25), currency="EUR", granularity=Granularity.PER_ORDER, fy="01-01",
)  # fmt: skip
@example(  # crossing a month and the fiscal year, in GBP
    specs=[(KINDS[0], Decimal("99.99"), 0, "302-1111111-1111111"),
           (KINDS[6], Decimal("-3.33"), 15, "302-1111111-1111111")],
    start=date(2024, 6, 25), currency="GBP", granularity=Granularity.FEES_PER_DAY, fy="07-01",
)  # fmt: skip
def test_every_generated_settlement_leaves_the_clearing_account_at_zero(
    specs, start, currency, granularity, fy
):
    _check_settlement(specs, start, currency, granularity, fy)
