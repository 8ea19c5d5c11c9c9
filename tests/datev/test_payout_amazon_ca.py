"""The real Amazon.ca V1 settlement (tests/fixtures/amazon, 1016.08 CAD) through the defaults."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from datev.export import export_settlement
from datev.extf_validator import validate_file
from datev.rules import default_rule_book
from datev.settings import BatchSettings
from parsers.detect import read_report
from tests.datev.datev_extf_check import check_file

SAMPLE = (
    Path(__file__).parent.parent / "fixtures" / "amazon" / "settlement-v1-amazon-ca-24288684721.txt"
)


@pytest.fixture(scope="module")
def report():
    return read_report(SAMPLE)


def _rows(files) -> list[list[str]]:
    rows = []
    for written in files:
        text = written.path.read_bytes().decode("cp1252")
        rows += [[v.strip('"') for v in r.split(";")] for r in text.split("\r\n")[2:-1]]
    return rows


@pytest.mark.parametrize(("chart", "clearing", "revenue", "claim"), [
    ("SKR03", "1210", "8338", "1542"),
    ("SKR04", "1810", "4338", "1440"),
])  # fmt: skip
def test_the_real_amazon_ca_settlement(tmp_path, report, chart, clearing, revenue, claim):
    settings = BatchSettings(berater=1001, mandant=1, chart=chart)
    result = export_settlement(
        report.summary, report.lines(), default_rule_book(chart), settings, tmp_path,
        marketplace=report.marketplaces[0],
    )  # fmt: skip
    assert report.marketplaces[0] == "Amazon.ca"
    balances: Counter = Counter()
    for written in result.files:
        assert validate_file(written.path).ok
        balances.update(check_file(written.path)["balances"])
    assert balances[clearing] == 0  # the clearing account is back at 0.00 EUR
    rows = _rows(result.files)
    contra = Counter(r[7] for r in rows)
    # Sales from the Canadian Amazon warehouse (AFN): not taxable in Germany, never an export
    assert contra[revenue] > 0 and contra["8120" if chart == "SKR03" else "4120"] == 0
    assert not any(r[7] == "10000" for r in rows)  # no Sammeldebitor: no Order batch exists
    # the three TaxAmount lines (GST/HST on the advertising invoices): claim, no key
    tax = [r for r in rows if r[7] == claim]
    assert sorted((r[0], r[1], r[8]) for r in tax) == [
        ("18,09", "H", ""), ("24,65", "H", ""), ("6,49", "H", ""),
    ]  # fmt: skip
    # fees and ads of Amazon.com.ca: reverse charge for a foreign entrepreneur's service
    fees = [r for r in rows if r[7] in ("4760", "4780", "4600", "6770", "6780", "6600")]
    assert fees and {(r[8], r[42]) for r in fees} == {("94", "1")}
    revenue_cad = sum(
        Decimal(r[0].replace(",", ".")) * (1 if r[1] == "S" else -1)
        for r in rows if r[7] == revenue
    )  # fmt: skip
    sold = sum(
        ln.amount for ln in report.lines()
        if ln.amount_type in ("ItemPrice", "ItemWithheldTax", "Promotion")
    )  # fmt: skip
    assert revenue_cad == sold > 0  # every sale and refund of the file, net of promotions
    # the unverified defaults are named for the tax advisor, once each
    assert sorted(result.totals.notes) == [
        "Reverse Charge (BU 94, Sachverhalt L+L 1) für Amazon-Rechnungen ohne deutsche USt "
        "angenommen. Welche Amazon-Gesellschaft die Werbung außerhalb von amazon.de abrechnet, "
        "und DATEVs Sachverhaltsnummern (Dok.-Nr. 1003613) sind ungeprüft; bitte mit den "
        "Rechnungen abgleichen, die Buchungsregeln sind änderbar.",
        f"Umsätze von Amazon.ca aus dem Amazon-Lager dort (AFN) als im Inland nicht steuerbar "
        f"gebucht (Konto {revenue}).",
    ]
