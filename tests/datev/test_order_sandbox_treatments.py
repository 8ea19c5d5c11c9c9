"""The sandbox's VAT Transactions Reports of spring 2025 (the kind the review converted: German
sales, OSS, Amazon Business, UK marketplace-collected exports from Germany), read by the parser
and booked with the default rules: every SALE and REFUND row of a treatment on its account, key
and EU fields, a test per treatment. The cases the sandbox does not generate (foreign warehouses,
CH exports, UK stock) are in test_order_treatment_bookings.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from datev.bookings import BatchTotals
from datev.order_bookings import vat_report_bookings
from datev.rules import default_rule_book
from datev.tax_treatment import derive_treatment, eu_prefix
from parsers import read_report
from sandbox import create_sandbox_app, vat

# A clock after April 2025: the sandbox then serves the reports of the year before.
CLOCK = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)
MONTHS = (date(2025, 3, 1), date(2025, 4, 1))
BOOK = default_rule_book("SKR03")


@pytest.fixture(scope="module")
def rows_by_treatment(tmp_path_factory):
    app = create_sandbox_app({"SANDBOX_CLOCK": CLOCK, "SANDBOX_SEED": "kontor"})
    state = app.extensions["sandbox"]
    folder = tmp_path_factory.mktemp("vat")
    found: dict[str, list] = {}
    for seller in state.sellers:
        for month in MONTHS:
            text = vat.render(state.seed, seller, month, state.first_index)
            if text is None:
                continue
            path = folder / f"vat-{seller.number}-{month}.txt"
            path.write_bytes(text.encode("cp1252"))
            for tx in read_report(path).rows():
                if tx.transaction_type in ("SALE", "REFUND"):
                    found.setdefault(derive_treatment(tx).name, []).append(tx)
    return found


def _expected_de(tx, treatment):
    return [("8400" if treatment.name == "DE_19" else "8300", "", "", None)]


def _expected_oss(tx, treatment):
    return [("8320", "240", treatment.country, (tx.vat_rate * 100).quantize(Decimal("0.01")))]


def _expected_ic_supply(tx, treatment):
    assert treatment.vat_id.startswith(eu_prefix(treatment.country))
    return [("8125", "", treatment.vat_id, None)]


def _expected_export(tx, treatment):
    return [("8120", "", "", None)]


EXPECTED = {
    "DE_19": _expected_de,
    "DE_7": _expected_de,
    "OSS_FROM_DE": _expected_oss,
    "IC_SUPPLY": _expected_ic_supply,
    "EXPORT": _expected_export,  # amazon.co.uk, UK_VOEC-IMPORT from the German warehouse
}


def test_the_sandbox_reports_hold_no_other_treatment(rows_by_treatment):
    assert set(rows_by_treatment) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_row_of_a_treatment_books_on_its_account_and_key(rows_by_treatment, name):
    rows = rows_by_treatment[name]
    assert rows
    for tx in rows:
        treatment = derive_treatment(tx)
        totals = BatchTotals()
        bookings = list(vat_report_bookings([tx], BOOK, totals=totals))
        assert [
            (b.contra_account, b.tax_key, b.eu_country_vat_id, b.eu_tax_rate) for b in bookings
        ] == EXPECTED[name](tx, treatment), tx.line_no
        assert [(b.account, b.document_no, b.side) for b in bookings] == [
            ("10000", tx.transaction_event_id, "S" if tx.transaction_type == "SALE" else "H")
        ]
        # what the settlement clears: net where Amazon withholds the UK VAT, else gross
        marketplace = tx.tax_collection_responsibility == "MARKETPLACE"
        assert bookings[0].signed_amount == (
            tx.total_vat_excl if marketplace else tx.total_vat_incl
        )
        assert not totals.needs_rules
