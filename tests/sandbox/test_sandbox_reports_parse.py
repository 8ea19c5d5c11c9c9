"""Every report the sandbox serves is one Kontor's parsers accept, and every settlement
reconciles (the sum of its amounts is its total-amount)."""

from datetime import date
from decimal import Decimal

import pytest

from parsers import read_report
from sandbox import create_sandbox_app, vat
from tests.sandbox.sandbox_helpers import NOW, SETTLEMENT


@pytest.fixture(scope="module")
def sandbox_state():
    return create_sandbox_app({"SANDBOX_CLOCK": NOW, "SANDBOX_SEED": "kontor"}).extensions[
        "sandbox"
    ]


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_bytes(text.encode("cp1252"))
    return path


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_every_settlement_parses_and_reconciles(sandbox_state, tmp_path, number):
    seller = sandbox_state.sellers[number - 1]
    entries = sandbox_state.settlement_entries(seller, include_expired=True)
    assert entries
    totals = {}
    for entry in entries:
        text = sandbox_state.settlement_text(seller, entry)
        report = read_report(write(tmp_path, f"{entry.report_id}.txt", text))
        summary = report.to_json()
        assert summary["kind"] == "payout" and summary["reconciled"], summary
        assert summary["currency"] in {"EUR", "GBP", "PLN", "SEK"}
        amounts = sum(1 for _ in report.lines())
        if entry.report_type == SETTLEMENT:
            assert amounts == len(text.strip().splitlines()) - 2
            assert summary["format"] == "settlement-v2"
        else:
            assert summary["format"] == "settlement-v1"
        key = (entry.marketplace_ids[0], entry.data_start)
        totals.setdefault((key, entry.report_type), summary["sum_of_amounts"])
    # The V1 and the V2 file of a settlement hold the same money.
    v1 = {key: t for (key, kind), t in totals.items() if kind != SETTLEMENT}
    v2 = {key: t for (key, kind), t in totals.items() if kind == SETTLEMENT}
    assert v1 and v1 == v2


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_every_vat_report_parses_with_its_totals(sandbox_state, tmp_path, number):
    seller = sandbox_state.sellers[number - 1]
    month, parsed = date(2025, 12, 1), 0
    while month < date(2026, 11, 1):
        text = vat.render(sandbox_state.seed, seller, month, sandbox_state.first_index)
        if text is not None:
            report = read_report(write(tmp_path, f"vat-{month}.txt", text))
            summary = report.to_json()
            assert summary["kind"] == "order" and summary["layout"] == "2021", summary
            sales = sum(Decimal(by_type.get("SALE", "0")) for by_type in summary["totals"].values())
            assert summary["rows"] > 0 and sales >= 0
            parsed += 1
        month = vat.next_month(month)
    assert parsed >= 5
