"""GET_VAT_TRANSACTION_DATA: requested per month, processed over seconds, FATAL when too early,
CANCELLED without data, and consistent with the settlements of the same orders."""

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from sandbox import vat
from tests.sandbox.sandbox_helpers import REPORTS, SETTLEMENT, VAT, amount, download, table

OCTOBER = {"dataStartTime": "2026-10-01T00:00:00Z", "dataEndTime": "2026-10-31T23:59:59Z"}


def request_vat(api, seller, **times):
    response = api(seller).post(
        REPORTS, json={"reportType": VAT, "marketplaceIds": seller.marketplace_ids[:1], **times}
    )
    assert response.status_code == 202, response.get_json()
    return response.get_json()["reportId"]


def status(api, seller, report_id) -> dict:
    response = api(seller).get(f"{REPORTS}/{report_id}")
    assert response.status_code == 200
    return response.get_json()


def test_vat_report_goes_from_in_queue_over_in_progress_to_done(api, seller, clock, client):
    report_id = request_vat(api, seller, **OCTOBER)
    report = status(api, seller, report_id)
    assert report["processingStatus"] == "IN_QUEUE"
    assert "processingStartTime" not in report and "reportDocumentId" not in report
    clock.advance(2)
    report = status(api, seller, report_id)
    assert report["processingStatus"] == "IN_PROGRESS" and "processingStartTime" in report
    clock.advance(6)
    report = status(api, seller, report_id)
    assert report["processingStatus"] == "DONE"
    assert report["dataStartTime"] == "2026-10-01T00:00:00+00:00"
    document = api(seller).get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
    text = download(client, document.get_json()["url"]).decode("cp1252")
    header = text.split("\n", 1)[0].split("\t")
    assert len(header) == 95
    assert header[4] == "PROGRAM_TYPE" and "DEPATURE_CITY" in header
    assert header[-2:] == ["TAX_REPORTING_SCHEME", "TAX_COLLECTION_RESPONSIBILITY"]
    rows = table(text)
    assert {r["ACTIVITY_PERIOD"] for r in rows} == {"2026-OCT"}
    assert {"SALE", "REFUND", "RETURN", "FC_TRANSFER"} <= {r["TRANSACTION_TYPE"] for r in rows}
    for row in rows:
        value = row["TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL"]
        if row["TRANSACTION_TYPE"] == "RETURN":
            assert value == "" and row["TRANSACTION_EVENT_ID"]
        elif row["TRANSACTION_TYPE"] == "REFUND":
            assert Decimal(value) < 0
    schemes = {r["TAX_REPORTING_SCHEME"] for r in rows if r["TRANSACTION_TYPE"] == "SALE"}
    assert {"REGULAR", "UNION-OSS"} <= schemes


def test_requested_reports_are_listed_with_get_reports(api, seller, clock):
    report_id = request_vat(api, seller, **OCTOBER)
    listed = api(seller).get(REPORTS, query_string={"reportTypes": VAT}).get_json()["reports"]
    assert [r["reportId"] for r in listed] == [report_id]
    clock.advance(10)
    done = api(seller).get(REPORTS, query_string={"reportTypes": VAT, "processingStatuses": "DONE"})
    assert [r["reportId"] for r in done.get_json()["reports"]] == [report_id]


def test_a_month_requested_before_the_3rd_of_the_next_month_ends_fatal(api, seller, clock):
    report_id = request_vat(api, seller, dataStartTime="2026-11-01T00:00:00Z")
    clock.advance(10)
    report = status(api, seller, report_id)
    assert report["processingStatus"] == "FATAL"


def test_a_fatal_report_carries_a_document_that_explains_the_error_not_data(
    api, seller, clock, client
):
    # Amazon: "FATAL - ... a reportDocumentId might be present. If present, the report
    # represented by the reportDocumentId can explain why the report processing ended."
    # A client must not take a reportDocumentId alone for "there is data".
    report_id = request_vat(api, seller, dataStartTime="2026-11-01T00:00:00Z")
    clock.advance(10)
    report = status(api, seller, report_id)
    assert report["processingStatus"] == "FATAL"
    document = api(seller).get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
    assert document.status_code == 200
    explanation = json.loads(download(client, document.get_json()["url"]))
    assert "2026-12-03" in explanation["errorDetails"]


def test_a_month_without_sales_ends_cancelled(api, state, clock):
    newcomer = state.sellers[2]  # sells for five months only
    report_id = request_vat(
        api, newcomer, dataStartTime="2026-03-01T00:00:00Z", dataEndTime="2026-03-31T23:59:59Z"
    )
    clock.advance(10)
    assert status(api, newcomer, report_id)["processingStatus"] == "CANCELLED"


@pytest.mark.parametrize("config", [{"SANDBOX_TIME_SCALE": 4}])
def test_time_scale_speeds_up_processing(api, seller, clock, config):
    report_id = request_vat(api, seller, **OCTOBER)
    clock.advance(2)
    assert status(api, seller, report_id)["processingStatus"] == "DONE"


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_vat_report_agrees_with_the_settlements_of_the_same_orders(client, state, number):
    """Every October sale of the VAT report is settled with the same gross amount."""
    seller = state.sellers[number - 1]
    listing = client.get(f"/_sandbox/sellers/{seller.selling_partner_id}/settlements").get_json()
    settled: dict[str, Decimal] = defaultdict(Decimal)
    for entry in (e for e in listing if e["reportType"] == SETTLEMENT):
        text = client.get(entry["download"]).get_data().decode("cp1252")
        for row in table(text)[1:]:
            posted = row["posted-date"]
            in_october = posted.startswith("2026-10") or posted.endswith(".10.2026")
            if (
                row["transaction-type"] == "Order"
                and row["amount-type"] in ("ItemPrice", "Promotion")
                and in_october
            ):
                settled[row["order-id"]] += amount(row["amount"])
    text = vat.render(state.seed, seller, date(2026, 10, 1), state.first_index)
    sold: dict[str, Decimal] = defaultdict(Decimal)
    for row in table(text):
        if row["TRANSACTION_TYPE"] == "SALE":
            sold[row["TRANSACTION_EVENT_ID"]] += Decimal(row["TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL"])
    assert sold and sold == dict(settled)
