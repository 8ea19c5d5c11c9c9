"""The seeded data: deterministic sellers with different marketplaces, twelve months of
settlements in Amazon's formats, amounts that add up."""

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sandbox import create_sandbox_app
from sandbox.settlements import COLUMNS
from tests.sandbox.sandbox_helpers import NOW, REPORTS, SETTLEMENT, amount, table

PYTHONPATH = os.pathsep.join([str(Path(__file__).parents[2]), str(Path(__file__).parent)])
DATE_STYLES = {
    "iso": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00",
    "utc": r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
    "german": r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d UTC",
}


def all_settlements(client, seller, report_type=SETTLEMENT) -> list[tuple[dict, str]]:
    listing = client.get(f"/_sandbox/sellers/{seller.selling_partner_id}/settlements").get_json()
    return [
        (entry, client.get(entry["download"]).get_data().decode("cp1252"))
        for entry in listing
        if entry["reportType"] == report_type
    ]


@pytest.fixture(scope="module")
def documents():
    """Every settlement of every seeded seller (module scope: they take a moment to render)."""
    app = create_sandbox_app({"SANDBOX_CLOCK": NOW, "SANDBOX_SEED": "kontor"})
    client = app.test_client()
    sellers = app.extensions["sandbox"].sellers
    return {seller.number: (seller, all_settlements(client, seller)) for seller in sellers}


DIGEST = """
import hashlib
from sandbox import create_sandbox_app
from tests.sandbox.sandbox_helpers import NOW

client = create_sandbox_app({"SANDBOX_CLOCK": NOW, "SANDBOX_SEED": "kontor"}).test_client()
digest = hashlib.sha256()
for seller in client.get("/_sandbox/sellers").get_json():
    listing = client.get(f"/_sandbox/sellers/{seller['selling_partner_id']}/settlements")
    for entry in listing.get_json()[-4:]:
        digest.update(entry["reportId"].encode() + client.get(entry["download"]).get_data())
print(digest.hexdigest())
"""


def test_the_same_seed_gives_the_same_amazon_in_every_process():
    """No dependence on hash randomisation, caches or the order of calls."""
    runs = {
        subprocess.run(
            [sys.executable, "-c", DIGEST],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": PYTHONPATH},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1 and len(runs.pop().strip()) == 64


def test_another_seed_gives_other_sellers(state):
    other = create_sandbox_app({"SANDBOX_CLOCK": NOW, "SANDBOX_SEED": "other"})
    ids = {s.selling_partner_id for s in other.extensions["sandbox"].sellers}
    assert ids.isdisjoint(s.selling_partner_id for s in state.sellers)


def test_sellers_cover_the_eu_marketplaces(state):
    countries = {mp.country for s in state.sellers for mp in s.marketplaces}
    assert {"DE", "FR", "IT", "ES", "NL", "PL", "SE", "GB", "BE", "IE"} <= countries
    assert len({tuple(s.marketplace_ids) for s in state.sellers}) == len(state.sellers)
    for s in state.sellers:
        assert re.fullmatch(r"A[0-9A-Z]{13}", s.selling_partner_id)


def test_settlements_cover_twelve_months_but_the_api_only_90_days(client, state, headers):
    seller = state.sellers[0]
    listing = client.get(f"/_sandbox/sellers/{seller.selling_partner_id}/settlements").get_json()
    created = [datetime.fromisoformat(e["createdTime"]) for e in listing]
    assert min(created) < NOW - timedelta(days=330)
    old = [e for e in listing if datetime.fromisoformat(e["createdTime"]) < NOW - timedelta(90)]
    assert old
    assert client.get(f"{REPORTS}/{old[0]['reportId']}", headers=headers).status_code == 404
    listed = client.get(
        REPORTS, query_string={"reportTypes": SETTLEMENT, "pageSize": 100}, headers=headers
    ).get_json()["reports"]
    assert len(listed) < len(listing)


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_every_settlement_adds_up_to_its_total_with_the_summary_row_first(documents, number):
    seller, settlements = documents[number]
    profile = seller.profile
    assert settlements
    for _, text in settlements:
        assert ("\r\n" in text) == profile.crlf
        rows = table(text)
        assert len(rows[0]) == (24 if profile.promotion_column else 23)
        summary, lines = rows[0], rows[1:]
        filled = {k for k, v in summary.items() if v}
        assert filled == {
            "settlement-id",
            "settlement-start-date",
            "settlement-end-date",
            "deposit-date",
            "total-amount",
            "currency",
        }
        assert sum((amount(r["amount"]) for r in lines), Decimal(0)) == amount(
            summary["total-amount"]
        )
        assert {r["settlement-id"] for r in lines} == {summary["settlement-id"]}
        assert re.fullmatch(DATE_STYLES[profile.date_style], summary["settlement-end-date"])
        decimals = [r["amount"] for r in lines]
        if profile.decimal_comma:
            assert all("," in d and "." not in d for d in decimals)
        else:
            assert all("." in d and "," not in d for d in decimals)


def test_settlement_columns_are_those_of_the_v2_flat_file(documents):
    _, settlements = documents[1]
    assert settlements[0][1].split("\n", 1)[0].split("\t") == list(COLUMNS)


def test_orders_refunds_fees_reserves_and_advertising_appear(documents):
    _, settlements = documents[1]
    rows = [row for _, text in settlements for row in table(text)[1:]]
    kinds = {(r["transaction-type"], r["amount-type"], r["amount-description"]) for r in rows}
    assert {
        ("Order", "ItemPrice", "Principal"),
        ("Order", "ItemFees", "Commission"),
        ("Order", "ItemFees", "FBAPerUnitFulfillmentFee"),
        ("Order", "Promotion", "Principal"),
        ("Refund", "ItemPrice", "Principal"),
        ("Refund", "ItemFees", "RefundCommission"),
        ("ServiceFee", "Cost of Advertising", "TransactionTotalAmount"),
        ("other-transaction", "other-transaction", "Subscription Fee"),
        ("other-transaction", "other-transaction", "Storage Fee"),
        ("other-transaction", "other-transaction", "Previous Reserve Amount Balance"),
        ("other-transaction", "other-transaction", "Current Reserve Amount"),
    } <= kinds
    assert ("other-transaction", "other-transaction", "DisposalComplete") in kinds
    order_ids = {r["order-id"] for r in rows if r["order-id"]}
    assert all(re.fullmatch(r"\d{3}-\d{7}-\d{7}", o) for o in order_ids)


def test_uk_sales_carry_the_vat_amazon_withholds(documents):
    _, settlements = documents[3]
    rows = [row for _, text in settlements for row in table(text)[1:]]
    withheld = [r for r in rows if r["amount-type"] == "ItemWithheldTax"]
    assert withheld and {r["marketplace-name"] for r in withheld} == {"Amazon.co.uk"}
    currencies = {table(text)[0]["currency"] for _, text in settlements}
    assert currencies == {"EUR", "GBP", "PLN", "SEK"}


def test_reserves_carry_over_from_one_settlement_to_the_next(documents):
    _, settlements = documents[1]
    german = sorted(
        (
            table(text)
            for entry, text in settlements
            if entry["marketplaceIds"] == ["A1PA6795UKMFR9"]
        ),
        key=lambda rows: rows[0]["settlement-start-date"],
    )
    unique = {rows[0]["settlement-id"]: rows for rows in german}
    chain = list(unique.values())
    for previous, current in zip(chain, chain[1:], strict=False):
        held = next(r for r in previous if r["amount-description"] == "Current Reserve Amount")
        released = next(
            r for r in current if r["amount-description"] == "Previous Reserve Amount Balance"
        )
        assert amount(released["amount"]) == -amount(held["amount"])


def test_some_settlements_are_negative(documents, client, headers):
    _, settlements = documents[1]
    totals = [amount(table(text)[0]["total-amount"]) for _, text in settlements]
    assert any(t < 0 for t in totals) and any(t > 0 for t in totals)
    _, settlements = documents[4]
    assert any(amount(table(text)[0]["total-amount"]) < 0 for _, text in settlements)


def test_one_settlement_is_listed_twice_as_amazon_sometimes_does(documents):
    _, settlements = documents[1]
    ids = [table(text)[0]["settlement-id"] for _, text in settlements]
    assert len(ids) > len(set(ids))
    report_ids = [entry["reportId"] for entry, _ in settlements]
    assert len(report_ids) == len(set(report_ids))


def test_settlement_periods_chain_without_gaps(documents):
    _, settlements = documents[2]
    periods = sorted({(e["dataStartTime"], e["dataEndTime"]) for e, _ in settlements})
    for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
        assert end == start
