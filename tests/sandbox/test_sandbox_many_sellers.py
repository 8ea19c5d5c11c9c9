"""SANDBOX_SELLERS seeds many sellers for the benchmark of many connections: each with its own
marketplaces and twelve months of settlements, deterministic from the seed; the four
hand-made sellers stay what they are."""

import time
from datetime import date, timedelta

import pytest

from parsers import read_report
from sandbox import create_sandbox_app, vat
from sandbox.sellers import PROFILES
from tests.sandbox.sandbox_helpers import NOW, REPORTS, SETTLEMENT, download, token_for

MANY = 200


@pytest.fixture(scope="module")
def many():
    """The state of a sandbox with 200 sellers (built once: the tests only read it)."""
    return create_sandbox_app({"SANDBOX_CLOCK": NOW, "SANDBOX_SELLERS": MANY}).extensions["sandbox"]


def sellers_of(config: dict) -> list:
    return create_sandbox_app({"SANDBOX_CLOCK": NOW, **config}).extensions["sandbox"].sellers


def test_without_sandbox_sellers_the_four_hand_made_sellers_are_seeded():
    sellers = sellers_of({})
    assert [s.profile for s in sellers] == list(PROFILES)
    assert sellers[1].profile.store_name == "Kräuterkontor"


def test_200_sellers_are_seeded_quickly_and_the_first_four_stay_as_they_are(many):
    started = time.perf_counter()
    sellers = sellers_of({"SANDBOX_SELLERS": MANY})
    assert time.perf_counter() - started < 2.0
    assert len(sellers) == MANY
    assert sellers[:4] == sellers_of({})
    assert [s.number for s in sellers] == list(range(1, MANY + 1))


def test_sandbox_sellers_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SANDBOX_SELLERS", "12")
    assert len(sellers_of({})) == 12
    with pytest.raises(ValueError, match="SANDBOX_SELLERS must be at least 1"):
        sellers_of({"SANDBOX_SELLERS": 0})


def test_the_sellers_are_the_same_for_a_seed_and_differ_between_seeds(many):
    assert sellers_of({"SANDBOX_SELLERS": MANY}) == many.sellers
    other = sellers_of({"SANDBOX_SELLERS": MANY, "SANDBOX_SEED": "anders"})
    assert {s.selling_partner_id for s in other}.isdisjoint(
        {s.selling_partner_id for s in many.sellers}
    )
    assert [s.profile for s in other[4:]] != [s.profile for s in many.sellers[4:]]


def test_the_sellers_differ_in_identity_marketplaces_and_file_formats(many):
    sellers = many.sellers
    for attribute in ("selling_partner_id", "vat_number", "pl_vat_number"):
        assert len({getattr(s, attribute) for s in sellers}) == MANY, attribute
    assert len({s.profile.store_name for s in sellers}) == MANY
    assert len({s.profile.countries for s in sellers}) > 50
    assert all(s.profile.countries[0] == "DE" for s in sellers)
    assert {len(s.profile.countries) for s in sellers} == {1, 2, 3, 4, 5}
    assert {s.profile.date_style for s in sellers} == {"iso", "utc", "german"}
    assert {s.profile.fulfillment for s in sellers} == {"AFN", "MFN"}
    assert {s.profile.crlf for s in sellers} == {True, False}
    assert {s.profile.promotion_column for s in sellers} == {True, False}
    assert len({s.profile.products for s in sellers}) == 4


def test_every_seller_lists_settlements_over_twelve_months_of_each_marketplace(app, many):
    app.extensions["sandbox"] = many
    client = app.test_client()
    started = time.perf_counter()
    for seller in many.sellers[4:]:
        response = client.get(f"/_sandbox/sellers/{seller.selling_partner_id}/settlements")
        assert response.status_code == 200
        entries = [e for e in response.get_json() if e["reportType"] == SETTLEMENT]
        for marketplace_id in seller.marketplace_ids:
            starts = sorted(
                e["dataStartTime"] for e in entries if e["marketplaceIds"] == [marketplace_id]
            )
            assert len(starts) >= 25, (seller.number, marketplace_id)
            assert starts[0] < (NOW - timedelta(days=350)).isoformat()
            assert starts[-1] > (NOW - timedelta(days=30)).isoformat()
    assert time.perf_counter() - started < 30


def test_a_generated_seller_is_served_by_the_api_like_the_hand_made_ones(app, many):
    app.extensions["sandbox"] = many
    client = app.test_client()
    seller = next(s for s in many.sellers[4:] if len(s.marketplace_ids) > 2)
    headers = {"x-amz-access-token": token_for(client, many, seller)}

    participations = client.get("/sellers/v1/marketplaceParticipations", headers=headers)
    listed = [p["marketplace"]["id"] for p in participations.get_json()["payload"]]
    assert sorted(listed) == sorted(seller.marketplace_ids)

    reports = client.get(REPORTS, query_string={"reportTypes": SETTLEMENT, "pageSize": 100},
                         headers=headers).get_json()["reports"]  # fmt: skip
    assert {r["marketplaceIds"][0] for r in reports} == set(seller.marketplace_ids)
    document = client.get(
        f"/reports/2021-06-30/documents/{reports[0]['reportDocumentId']}", headers=headers
    ).get_json()
    text = download(client, document["url"]).decode("cp1252")
    assert text.splitlines()[0].startswith("settlement-id")


@pytest.mark.parametrize("number", range(5, 45))
def test_generated_reports_parse_and_settlements_reconcile(many, tmp_path, number):
    seller = many.sellers[number - 1]
    entries = [
        e
        for e in many.settlement_entries(seller, include_expired=True)
        if e.report_type == SETTLEMENT
    ]
    for entry in entries[:: max(1, len(entries) // 6)]:
        path = tmp_path / f"{entry.report_id}.txt"
        path.write_bytes(many.settlement_text(seller, entry).encode("cp1252"))
        summary = read_report(path).to_json()
        assert summary["kind"] == "payout" and summary["reconciled"], (number, summary)
    vat_path = tmp_path / "vat.txt"
    text = vat.render(many.seed, seller, date(2026, 9, 1), many.first_index)
    vat_path.write_bytes(text.encode("cp1252"))
    assert read_report(vat_path).to_json()["kind"] == "order"
