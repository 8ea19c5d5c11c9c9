"""The sandbox's VAT reports carry DE -> PL stock transfers as Amazon writes them: with an SKU cost
table every one is in the Verbringen batch at quantity x cost with the seller's PL VAT id in #40;
without one, every one is listed and counted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from datev_extf_check import check_file, read_extf
from stdnum.eu import vat as eu_vat

from datev.accounts import default_accounts
from datev.settings import BatchSettings
from datev.transfers import UNVALUED, export_transfers, transfers_of
from parsers import read_report
from sandbox import create_sandbox_app, vat
from sandbox.sellers import seeded_sellers

SEED = "kontor"
SETTINGS = BatchSettings(berater=1001, mandant=1)
SKR03 = default_accounts("SKR03")
MONTH = date(2026, 4, 1)
FBA_SELLERS = [s.number for s in seeded_sellers(SEED) if s.profile.fulfillment == "AFN"]


@pytest.fixture(scope="module")
def state():
    clock = datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    return create_sandbox_app({"SANDBOX_CLOCK": clock, "SANDBOX_SEED": SEED}).extensions["sandbox"]


def report_of(state, seller, tmp_path):
    """The seller's first VAT report from April 2026 on (not every seller sells every month)."""
    month, text = MONTH, None
    while text is None and month < date(2026, 10, 1):
        text = vat.render(state.seed, seller, month, state.first_index)
        month = vat.next_month(month)
    assert text is not None
    path = tmp_path / "vat.txt"
    path.write_bytes(text.encode("cp1252"))
    return read_report(path)


def test_every_sandbox_seller_has_a_valid_polish_vat_id():
    for seller in seeded_sellers(SEED):
        assert seller.pl_vat_number.startswith("PL")
        assert eu_vat.is_valid(seller.pl_vat_number)


@pytest.mark.parametrize("number", FBA_SELLERS)
def test_with_a_cost_table_every_de_pl_transfer_is_booked_at_cost_under_the_pl_vat_id(
    state, number, tmp_path
):
    seller = state.sellers[number - 1]
    report = report_of(state, seller, tmp_path)
    rows = list(report.rows())
    transfers = transfers_of(rows)
    assert transfers and {(t.depart, t.arrival) for t in transfers} == {("DE", "PL")}
    assert {r.seller_arrival_vat_number for r in rows if r.transaction_type == "FC_TRANSFER"} == {
        seller.pl_vat_number
    }
    costs = {p.sku: (p.price_eur * Decimal("0.4")).quantize(Decimal("0.01"))
             for p in seller.profile.products}  # fmt: skip
    export = export_transfers(rows, SKR03, costs, {}, SETTINGS, tmp_path / "out", name="2026-APR")
    assert export.result.unbooked == []
    (written,) = export.files
    check_file(written.path)
    _, columns, booked, _ = read_extf(written.path)
    supplies = [r for r in booked if r[7] == "8125"]
    assert len(supplies) == len(transfers)
    for row, transfer in zip(supplies, transfers, strict=True):
        expected = transfer.quantity * costs[transfer.sku]
        assert Decimal(row[0].replace(",", ".")) == expected
        assert row[columns.index("EU-Land u. UStID (Bestimmung)")] == seller.pl_vat_number


@pytest.mark.parametrize("number", FBA_SELLERS)
def test_without_a_cost_table_every_transfer_is_listed_and_counted(state, number, tmp_path):
    rows = list(report_of(state, state.sellers[number - 1], tmp_path).rows())
    export = export_transfers(rows, SKR03, {}, {}, SETTINGS, tmp_path / "out", name="2026-APR")
    assert export.files == []
    summary = export.summary()
    assert summary["unvalued"] == len(transfers_of(rows)) > 0
    assert {u["reason"] for u in summary["unbooked"]} == {UNVALUED}
