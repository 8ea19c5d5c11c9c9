"""Constants and small helpers shared by the sandbox tests."""

import gzip
from datetime import UTC, datetime

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
VAT = "GET_VAT_TRANSACTION_DATA"
REPORTS = "/reports/2021-06-30/reports"


def token_for(client, state, seller) -> str:
    response = client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": state.seeded_refresh_token(seller),
            "client_id": state.client_id,
            "client_secret": state.client_secret,
        },
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def download(client, url: str) -> bytes:
    """Fetch a pre-signed document URL (no token) and gunzip it."""
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/plain;charset=Cp1252"
    return gzip.decompress(response.get_data())


def table(text: str) -> list[dict]:
    """Rows of a tab-separated report as dicts by header name."""
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def amount(text: str):
    from decimal import Decimal

    return Decimal(text.replace(",", ".")) if text else Decimal(0)
