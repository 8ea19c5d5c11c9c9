"""Clients that know nothing of Kontor, over real HTTP: Amazon's own SDK (amzn-sp-api) and a
plain `requests` client. Both list and download settlements and request, poll and download a
VAT Transactions Report; all they need is the base URL and the seller's credentials."""

import gzip
import time
from datetime import datetime

import pytest
import requests
import spapi

from sandbox.clock import SandboxClock
from tests.sandbox.sandbox_conformance import check_requests_response
from tests.sandbox.sandbox_helpers import NOW, SETTLEMENT, VAT, http_access_token
from tests.sandbox.sandbox_server import serve

# A running clock that starts at NOW; time scale 20 lets VAT reports finish in under a second.
CONFIG = {"SANDBOX_TIME_SCALE": 20}
DE = "A1PA6795UKMFR9"


@pytest.fixture
def live():
    with serve({**CONFIG, "SANDBOX_CLOCK": SandboxClock(NOW)}) as (base_url, app):
        yield base_url


@pytest.fixture
def credentials(live):
    return requests.get(f"{live}/_sandbox/sellers", timeout=10).json()[0]


def gunzip_download(url: str) -> str:
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    assert response.headers["Content-Type"] == "text/plain;charset=Cp1252"
    return gzip.decompress(response.content).decode("cp1252")


def sdk_client(base_url: str, credentials: dict):
    """Amazon's own SDK, pointed at the sandbox (it fetches its access token right here)."""
    config = spapi.SPAPIConfig(
        client_id=credentials["client_id"],
        client_secret=credentials["client_secret"],
        refresh_token=credentials["refresh_token"],
        region="EU",
    )
    return spapi.SPAPIClient(config, oauth_endpoint=f"{base_url}/auth/o2/token", endpoint=base_url)


def test_amazons_sdk_lists_settlements_and_requests_polls_and_downloads_a_vat_report(
    live, credentials
):
    from spapi.models.reports_v2021_06_30 import CreateReportSpecification

    client = sdk_client(live, credentials)
    reports = spapi.ReportsApi(client.api_client)

    participations = spapi.SellersApi(client.api_client).get_marketplace_participations()
    assert [p.marketplace.id for p in participations.payload] == credentials["marketplace_ids"]

    listed = reports.get_reports(report_types=[SETTLEMENT], marketplace_ids=[DE], page_size=5)
    assert len(listed.reports) == 5 and listed.next_token
    following = reports.get_reports(next_token=listed.next_token)
    assert following.reports
    settlement = listed.reports[0]
    assert settlement.processing_status == "DONE"
    document = reports.get_report_document(settlement.report_document_id)
    assert document.compression_algorithm == "GZIP"
    assert gunzip_download(document.url).startswith("settlement-id\t")

    with pytest.raises(spapi.ApiException) as refused:
        reports.create_report(
            CreateReportSpecification(report_type=SETTLEMENT, marketplace_ids=[DE])
        )
    assert refused.value.status == 429

    created = reports.create_report(
        CreateReportSpecification(
            report_type=VAT,
            marketplace_ids=[DE],
            data_start_time=datetime.fromisoformat("2026-10-01T00:00:00+00:00"),
            data_end_time=datetime.fromisoformat("2026-10-31T23:59:59+00:00"),
        )
    )
    report = reports.get_report(created.report_id)
    deadline = time.monotonic() + 10
    while report.processing_status in ("IN_QUEUE", "IN_PROGRESS"):
        assert time.monotonic() < deadline, "the VAT report never finished"
        time.sleep(0.1)
        report = reports.get_report(created.report_id)
    assert report.processing_status == "DONE"
    document = reports.get_report_document(report.report_document_id)
    text = gunzip_download(document.url)
    assert text.split("\t", 5)[4] == "PROGRAM_TYPE"
    assert "\tSALE\t" in text


def test_a_plain_requests_client_does_the_same(live, credentials):
    """Every answer it gets is also checked against the official models."""
    api = requests.Session()
    api.hooks["response"].append(check_requests_response)
    api.headers["x-amz-access-token"] = http_access_token(live, credentials, session=api)
    reports = f"{live}/reports/2021-06-30/reports"

    listed = api.get(reports, params={"reportTypes": SETTLEMENT, "pageSize": 100}, timeout=10)
    assert listed.status_code == 200
    assert listed.headers["x-amzn-RateLimit-Limit"] == "0.0222"
    settlements = listed.json()["reports"]
    assert {s["marketplaceIds"][0] for s in settlements} == set(credentials["marketplace_ids"])
    for settlement in settlements[:3]:
        document = api.get(
            f"{live}/reports/2021-06-30/documents/{settlement['reportDocumentId']}", timeout=10
        ).json()
        assert gunzip_download(document["url"]).startswith("settlement-id\t")

    created = api.post(
        reports,
        json={
            "reportType": VAT,
            "marketplaceIds": credentials["marketplace_ids"],
            "dataStartTime": "2026-10-01T00:00:00Z",
            "dataEndTime": "2026-10-31T23:59:59Z",
        },
        timeout=10,
    )
    assert created.status_code == 202
    report_id = created.json()["reportId"]
    seen = []
    deadline = time.monotonic() + 10
    while not seen or seen[-1] in ("IN_QUEUE", "IN_PROGRESS"):
        assert time.monotonic() < deadline
        report = api.get(f"{reports}/{report_id}", timeout=10).json()
        seen.append(report["processingStatus"])
        time.sleep(0.05)
    # How many polls see IN_QUEUE and IN_PROGRESS depends on the machine; the order does not.
    order = ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    assert seen[-1] == "DONE" and seen == sorted(seen, key=order.index)
    document = api.get(
        f"{live}/reports/2021-06-30/documents/{report['reportDocumentId']}", timeout=10
    ).json()
    assert "\tSALE\t" in gunzip_download(document["url"])


def test_the_sdks_enable_content_encoding_url_header_lets_requests_decompress_by_itself(
    live, credentials
):
    client = sdk_client(live, credentials)
    reports = spapi.ReportsApi(client.api_client)
    settlement = reports.get_reports(report_types=[SETTLEMENT], page_size=1).reports[0]
    # The SDK sends the boolean as "True"; the URL then serves Content-Encoding: gzip, so
    # requests hands out the text already decompressed (gunzipping it again would fail).
    document = reports.get_report_document(
        settlement.report_document_id, enable_content_encoding_url_header=True
    )
    assert document.compression_algorithm == "GZIP"
    response = requests.get(document.url, timeout=10)
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.content.decode("cp1252").startswith("settlement-id\t")
