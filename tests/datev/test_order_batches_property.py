"""Every generated VAT report batch is valid, and the Sammeldebitor holds exactly the revenue.

Random SALE/REFUND/RETURN/FC_TRANSFER rows of every tax treatment, several months and currencies;
the files are read back with the independent check.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datev.currency import EcbRates
from datev.export import export_vat_report
from datev.extf_validator import validate_file
from datev.granularity import Granularity
from datev.rules import default_rule_book
from datev.settings import BatchSettings
from tests.datev.datev_builders import vat_row
from tests.datev.datev_extf_check import check_file

RATES = EcbRates()
SHAPES = [
    {},
    {"rate": "0.07"},
    {"rate": "0.20", "arrival": "FR", "jurisdiction": "FRANCE", "scheme": "UNION-OSS"},
    {"rate": "0.22", "depart": "PL", "arrival": "IT", "scheme": "UNION-OSS"},
    {"rate": "0.0", "arrival": "AT", "buyer_vat": "ATU12345678", "jurisdiction": ""},
    {"rate": "0.0", "arrival": "CH", "export": True, "jurisdiction": ""},
    {"rate": "0.20", "arrival": "GB", "responsibility": "MARKETPLACE", "currency": "GBP"},
    {"rate": "0.25", "arrival": "SE", "scheme": "UNION-OSS", "currency": "SEK"},
    {"rate": "0.23", "depart": "PL", "arrival": "PL", "jurisdiction": "POLAND", "currency": "PLN"},
    {"rate": None, "jurisdiction": ""},  # no treatment: Klärungskonto
]

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(["SALE", "SALE", "REFUND", "RETURN", "FC_TRANSFER"]),
        st.sampled_from(SHAPES),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900"), places=2),
        st.integers(0, 70),
        st.integers(1, 5),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=rows_strategy,
    start=st.dates(min_value=date(2021, 7, 1), max_value=date(2025, 11, 1)),
    granularity=st.sampled_from(list(Granularity)),
)
def test_every_vat_report_batch_is_valid_and_books_the_revenue_on_the_debtor(
    specs, start, granularity
):
    rows = []
    for i, (kind, shape, amount, offset, order) in enumerate(specs):
        gross = -amount if kind == "REFUND" else amount
        rows.append(
            vat_row(i + 2, kind, f"302-000000{order}-1", start + timedelta(days=offset),
                    str(gross), net=str(gross), **shape)
        )  # fmt: skip
    with tempfile.TemporaryDirectory() as out:
        result = export_vat_report(
            rows, default_rule_book("SKR03"), BatchSettings(berater=1001, mandant=1),
            Path(out), name="p", granularity=granularity, rates=RATES,
        )  # fmt: skip
        debtor = Decimal(0)
        for written in result.files:
            assert validate_file(written.path).ok
            debtor += check_file(written.path)["balances"].get("10000", Decimal(0))
    assert debtor == result.totals.balances.get("10000", 0)
    expected_unmatched = sum(
        1 for kind, shape, *_ in specs if kind in ("SALE", "REFUND") and "jurisdiction" in shape
        and shape.get("rate", "x") is None
    )  # fmt: skip
    assert result.totals.unmatched == expected_unmatched
    eur_rows = [r for r in rows if r.transaction_type in ("SALE", "REFUND") and r.currency == "EUR"]
    if len(eur_rows) == sum(1 for r in rows if r.transaction_type in ("SALE", "REFUND")):
        assert debtor == sum((r.total_vat_incl for r in eur_rows), Decimal(0))
